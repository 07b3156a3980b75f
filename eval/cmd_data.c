int sbr_cmd_placeholder;

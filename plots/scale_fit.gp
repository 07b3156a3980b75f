# Fit time and model (index) size against training size, one line per configuration, log-log
# (experiments/scale_fit.sh: `sbr synth` logs of growing size). Reads cost.dat.
load "plots/common.gp"
cols = 3
rows = 1
pw = 420
ph = 360
eval start_figure
f = data."/cost.dat"
set multiplot layout rows, cols title "Fit time and model size against training size (sbr synth click logs, 100 days each)" font ",11"
set logscale xy
set format x "%.0s%c"
set xlabel "training clicks"
unset key
set title "fit time" font ",10"
set ylabel "fit time (s, log)"
set format y "%g"
plot for [c = 1:n_configs] f index (c - 1) using 1:2 with linespoints lc rgb cfg_color(c) pt cfg_pt(c) ps 1 lw 1.5
set title "model size" font ",10"
set ylabel "model bytes (log)"
set format y "%.0s%cB"
plot for [c = 1:n_configs] f index (c - 1) using 1:3 with linespoints lc rgb cfg_color(c) pt cfg_pt(c) ps 1 lw 1.5
eval key_panel
unset multiplot

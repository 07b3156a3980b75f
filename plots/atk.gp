# Accuracy at every cutoff k = 1..20, one panel per dataset, one line per configuration (its
# colour and marker in the key panel), computed from the stored per-prediction ranks.
# Reads atk.dat. Extra variable: metric = "mrr" or "hr".
load "plots/common.gp"
cols = layout_cols(n_datasets)
rows = layout_rows(n_datasets)
eval start_figure
name = metric eq "mrr" ? "MRR" : "HR"
set multiplot layout rows, cols title sprintf("%s@k for k = 1..20 per dataset (from the stored rank of every prediction; mean over slices)", name) font ",11"
f = data."/atk.dat"
first = metric eq "mrr" ? 2 : 2 + n_configs
set xlabel "k"
set ylabel sprintf("%s@k", name)
set xrange [0.5:20.5]
set xtics (1, 5, 10, 15, 20)
set yrange [0:*]
unset key
do for [d = 1:n_datasets] {
    set title dataset[d] font ",10"
    if (ranks_on[d]) {
        plot for [c = 1:n_configs] f index (d - 1) using 1:(column(first + c - 1)) \
             with linespoints lc rgb cfg_color(c) pt cfg_pt(c) ps 0.5 lw 1.2
    } else {
        set yrange [0:1]
        set label 99 "no per-session ranks stored" at graph 0.5, 0.5 center
        plot 2 notitle
        unset label 99
        set yrange [0:*]
    }
}
eval key_panel
unset multiplot

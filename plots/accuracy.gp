# Accuracy as small multiples: one panel per dataset, the configurations on the y axis (the same
# rows in every panel), MRR@N (filled) and HR@N (open) as the mean over slices with the sample
# standard deviation over slices as bars (none with one slice). Reads accuracy.dat.
load "plots/common.gp"
cols = n_datasets <= 4 ? n_datasets : (n_datasets <= 6 ? 3 : (n_datasets <= 8 ? 4 : 5))
rows = int(ceil(1.0 * n_datasets / cols))
pw = 300
ph = 40 + 15 * n_configs
eval start_figure
set multiplot layout rows, cols title sprintf("Accuracy at %d per dataset: MRR@%d (filled) and HR@%d (open), mean over slices ± sd", cutoff, cutoff, cutoff) font ",11"
set yrange [n_configs + 0.7:0.3]
set xrange [0:*]
set offsets 0, graph 0.05, 0, 0
set grid xtics ytics
unset key
set xtics 0.2 nomirror format "%.1f"
f = data."/accuracy.dat"
do for [d = 1:n_datasets] {
    set title dataset[d] font ",10"
    if ((d - 1) % cols == 0) {
        set ytics 1 nomirror
        set ytics ()
        do for [c = 1:n_configs] { set ytics add (label[c] c) }
        set lmargin 14
    } else {
        set ytics 1 nomirror format ""
        set ytics ()
        do for [c = 1:n_configs] { set ytics add ("" c) }
        set lmargin 2
    }
    plot f index (d - 1) using 2:1:($2 - $3):($2 + $3):(cfg_rgb($1)) with xerrorbars lc rgb variable pt 7 ps 0.9, \
         f index (d - 1) using 4:1:($4 - $5):($4 + $5):(cfg_rgb($1)) with xerrorbars lc rgb variable pt 6 ps 0.9
}
unset multiplot

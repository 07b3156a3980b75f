# Prediction latency per configuration as small multiples: one panel per dataset, the
# configurations on the y axis (as in accuracy.gp), a dot at p90 with a bar from p50 to p99.5
# and a cross at the maximum (one thread, log scale). Reads tradeoff.dat.
load "plots/common.gp"
cols = n_datasets <= 4 ? n_datasets : (n_datasets <= 6 ? 3 : (n_datasets <= 8 ? 4 : 5))
rows = int(ceil(1.0 * n_datasets / cols))
pw = 300
ph = 40 + 15 * n_configs
eval start_figure
set multiplot layout rows, cols title "Prediction latency per dataset (µs, one thread, log scale): dot p90, bar p50..p99.5, cross maximum" font ",11"
set yrange [n_configs + 0.7:0.3]
set logscale x
set xtics 100
set format x "%g"
set grid xtics ytics
unset key
f = data."/tradeoff.dat"
do for [d = 1:n_datasets] {
    set title dataset[d] font ",10"
    if ((d - 1) % cols == 0) {
        set ytics ()
        do for [c = 1:n_configs] { set ytics add (label[c] c) }
        set lmargin 14
    } else {
        set ytics ()
        do for [c = 1:n_configs] { set ytics add ("" c) }
        set lmargin 2
    }
    if (latency_on[d]) {
        set xrange [*:*]
        plot f index (d - 1) using 3:1:2:4:(cfg_rgb($1)) with xerrorbars lc rgb variable pt 7 ps 0.8, \
             f index (d - 1) using 5:1:(cfg_rgb($1)) with points lc rgb variable pt 2 ps 0.7
    } else {
        set xrange [1:10]
        set label 99 "latency not measured" at graph 0.5, 0.5 center
        plot 2 notitle
        unset label 99
    }
}
unset multiplot

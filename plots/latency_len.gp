# Prediction latency by session length (the prefix a prediction sees), one panel per dataset,
# one line per configuration: p90 (solid) and p50 (dotted), one thread, log scale. Reads
# latency_len.dat (the mean over slices of each slice's percentile per length bucket).
load "plots/common.gp"
cols = layout_cols(n_datasets)
rows = layout_rows(n_datasets)
eval start_figure
set multiplot layout rows, cols title "Latency by prefix length per dataset (µs, one thread, log): p90 solid, p50 dotted" font ",11"
f = data."/latency_len.dat"
set logscale y
set format y "%g"
set xlabel "clicks in the session so far"
set ylabel "latency (µs)"
set xrange [-0.5:10.5]
# The buckets' labels, from the first block (len_lo, len_hi; 0: no end).
set xtics ("1" 0, "2" 1, "3" 2, "4" 3, "5" 4, "6-7" 5, "8-10" 6, "11-15" 7, "16-20" 8, "21-30" 9, "31+" 10) rotate by 45 right
unset key
do for [d = 1:n_datasets] {
    set title dataset[d] font ",10"
    if (len_on[d]) {
        set yrange [*:*]
        plot for [c = 1:n_configs] f index (d - 1) using 0:(column(2 + n_configs + c)) \
             with linespoints lc rgb cfg_color(c) pt cfg_pt(c) ps 0.6 lw 1.3, \
             for [c = 1:n_configs] f index (d - 1) using 0:(column(2 + c)) \
             with lines lc rgb cfg_color(c) dt 3 lw 1
    } else {
        set yrange [1:10]
        set label 99 "no latency by length stored" at graph 0.5, 0.5 center
        plot 2 notitle
        unset label 99
    }
}
eval key_panel
unset multiplot

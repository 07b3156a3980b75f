# One panel per dataset: accuracy (MRR@N, y) against one other measure (x), one marker per
# configuration (its colour and shape in the key panel), so that no text sits on the points.
# Reads tradeoff.dat (and pareto.dat with front = 1). Extra variables, with gnuplot -e:
#   xcol   = column of tradeoff.dat for x: 3 p90_us, 8 coverage, 9 popularity
#   xname  = the x axis label
#   logx   = 1 for a log-scale x axis
#   front  = 1 to draw the accuracy/latency Pareto front (pareto.dat) as a step line
#   what   = the figure title's subject
load "plots/common.gp"
if (strstrt(xname, "%d") > 0) { xname = sprintf(xname, cutoff) }
cols = layout_cols(n_datasets)
rows = layout_rows(n_datasets)
eval start_figure
set multiplot layout rows, cols title sprintf("MRR@%d against %s per dataset%s", cutoff, what, front ? " (line: the Pareto front; up and left is better)" : "") font ",11"
f = data."/tradeoff.dat"
if (logx) { set logscale x; set format x "%g"; set xtics 100 } else { set xrange [0:*]; set xtics rotate by 45 right; set format x "%.2g" }
set xlabel xname
set ylabel sprintf("MRR@%d", cutoff)
set offsets graph 0.05, graph 0.05, graph 0.08, 0
set yrange [0:*]
unset key
do for [d = 1:n_datasets] {
    set title dataset[d] font ",10"
    if (front && !latency_on[d]) {
        set xrange [1:10]
        set label 99 "latency not measured" at graph 0.5, 0.5 center
        plot 2 notitle
        unset label 99
        set xrange [*:*]
    } else { if (front) {
        plot data."/pareto.dat" index (d - 1) using 1:2 with steps lc rgb "#999999" lw 1.2 dt 2, \
             f index (d - 1) using xcol:6:(cfg_pt($1)):(cfg_rgb($1)) with points pt variable lc rgb variable ps 1.3
    } else {
        plot f index (d - 1) using xcol:6:(cfg_pt($1)):(cfg_rgb($1)) with points pt variable lc rgb variable ps 1.3
    } }
}
eval key_panel
unset multiplot

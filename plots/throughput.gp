# Evaluation throughput (predictions per second of the harness's OpenMP metric pass) at 1 and
# 2 threads per configuration, on one dataset. Reads two cost.dat files. Extra variables:
#   data  = the plot data folder of the 2-thread run (its cost.dat)
#   data1 = the plot data folder of the 1-thread run, ds = the dataset both runs share
load "plots/common.gp"
cols = 1
rows = 1
pw = 900
ph = 380
eval start_figure
f1 = data1."/cost.dat"
f2 = data."/cost.dat"
pick(v) = strcol(8) eq ds ? v : NaN
set title sprintf("Evaluation throughput on %s, metric pass at 1 and 2 threads (x: speed-up)", ds) font ",11"
set style fill solid 0.8 border -1
set boxwidth 0.38
set logscale y
set format y "%.0s%c"
set ylabel "predictions per second (log)"
set yrange [*:*]
set offsets 0, 0, graph 0.12, 0
set xrange [0.4:n_configs + 0.6]
set xtics () nomirror
do for [c = 1:n_configs] { set xtics add (label[c] c) }
set key outside top right
# The speed-up of each configuration over its bars.
do for [c = 1:n_configs] {
    stats f1 index (c - 1) using (pick($6)) nooutput
    t1 = STATS_max
    stats f2 index (c - 1) using (pick($6)) nooutput
    top = STATS_max > t1 ? STATS_max : t1
    set label sprintf("x%.2f", STATS_max / t1) at c, top * 1.4 center front font ",9"
}
plot for [c = 1:n_configs] f1 index (c - 1) using (c - 0.2):(pick($6)) with boxes lc rgb "#9ecae1" title (c == 1 ? "1 thread" : ""), \
     for [c = 1:n_configs] f2 index (c - 1) using (c + 0.2):(pick($6)) with boxes lc rgb "#08519c" title (c == 1 ? "2 threads" : "")

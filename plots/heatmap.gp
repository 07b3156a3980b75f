# Heat maps of one grid (an algorithm over two parameters, e.g. VMIS-kNN over m x k), one panel
# per dataset with ONE colour scale shared by all panels, the value in every cell and the best
# cell (highest MRR@N of its dataset) outlined. Reads grid_ALGO.dat. Extra variables:
#   g      = the grid's number in meta.gp (1-based)
#   mcol   = the column to colour: 5 mrr, 6 hr, 7 precision, 8 p90_us
#   mname  = its name for the title and colour box, e.g. "MRR@20"
#   mfmt   = the format of the cell values, e.g. "%.3f"
#   logc   = 1 for a log colour scale (latency)
load "plots/common.gp"
if (strstrt(mname, "%d") > 0) { mname = sprintf(mname, cutoff) }
f = data."/grid_".grid_algo[g].".dat"
nd = words(grid_datasets[g])
nx = words(grid_xs[g])
ny = words(grid_ys[g])
cols = nd <= 3 ? nd : (nd <= 4 ? 2 : 3)
rows = int(ceil(1.0 * nd / cols))
pw = 110 + 42 * nx + (nd == 1 ? 90 : 40)
if (pw < 260) pw = 260
ph = 110 + 30 * ny
eval start_figure
# The shared colour range: over every dataset's cells.
stats f using mcol nooutput
lo = STATS_min
hi = STATS_max
if (hi <= lo) { hi = lo + 1 }
set cbrange [lo:hi]
if (logc) {
    set logscale cb
    mid = sqrt(lo * hi)
    set cbtics (sprintf("%.3g", lo) lo, sprintf("%.3g", mid) mid, sprintf("%.3g", hi) hi)
}
set palette defined (0 "#f7fbff", 0.35 "#c6dbef", 0.7 "#6baed6", 1 "#08306b")
set xrange [-0.5:nx - 0.5]
set yrange [-0.5:ny - 0.5]
set xtics () rotate by 45 right nomirror
do for [i = 1:nx] { set xtics add (word(grid_xs[g], i) i - 1) }
set ytics () nomirror
do for [i = 1:ny] { set ytics add (word(grid_ys[g], i) i - 1) }
set xlabel grid_x[g]
set ylabel grid_y[g]
set cblabel mname
unset key
unset grid
set style fill solid 1.0 noborder
set multiplot layout rows, cols title sprintf("%s of %s over %s x %s (one colour scale)\noutlined: each dataset's best MRR@%d", mname, grid_algo[g], grid_x[g], grid_y[g], cutoff) font ",10"
# Cell text: dark on light cells, white on dark ones.
tc(v) = (logc ? (log(v) - log(lo)) / (log(hi) - log(lo)) : (v - lo) / (hi - lo)) > 0.6 ? 0xffffff : 0x000000
do for [d = 1:nd] {
    set title word(grid_datasets[g], d) font ",10"
    if (d == nd) { set colorbox } else { unset colorbox }
    plot f index (d - 1) using 3:4:(0.5):(0.5):(column(mcol)) with boxxyerror fc palette, \
         f index (d - 1) using 3:4:(sprintf(mfmt, column(mcol))):(tc(column(mcol))) with labels tc rgb variable font ",7", \
         f index (d - 1) using 3:4:($9 == 1 ? 0.47 : NaN):(0.47) with boxxyerror lc rgb "#e6550d" lw 3 fs empty border lc rgb "#e6550d"
}
unset multiplot

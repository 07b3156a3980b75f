# Shared settings for every figure. Callers (plots/make.sh) pass, with gnuplot -e:
#   data = "results/plots"          the plot data folder `sbr report` wrote (meta.gp, *.dat)
#   out  = "results/figures/name"   the figure, without extension
#   fmt  = "png" or "pdf"
# and optionally rows/cols (panels), width/height (per panel, pixels; PDF scales them).
if (exists("data")) load data."/meta.gp"
if (!exists("pw")) pw = 340
if (!exists("ph")) ph = 260
# After setting rows and cols (the panel grid): `eval start_figure` opens the output.
start_figure = 'if (fmt eq "pdf") { set terminal pdfcairo size (cols * pw / 110.0), (rows * ph / 110.0) font "Helvetica,8" noenhanced } else { set terminal pngcairo size cols * pw, rows * ph font "Helvetica,9" noenhanced }; set output out.".".fmt'
set grid lc rgb "#e4e4e4"
set border lc rgb "#555555"
set tics textcolor rgb "#333333"
# One colour and marker per configuration c (1-based), the same in every figure: twelve
# colours, then the marker changes.
array palette12[12] = [0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd, 0xff7f0e, 0x8c564b, \
                       0xe377c2, 0x17becf, 0x7f7f7f, 0xbcbd22, 0x393b79, 0x637939]
array markers[4] = [7, 5, 9, 11]
cfg_rgb(c) = palette12[int(c - 1) % 12 + 1]
cfg_color(c) = sprintf("#%06x", cfg_rgb(c))
cfg_pt(c) = markers[(int(c - 1) / 12) % 4 + 1]
cfg_dt(c) = (int(c - 1) / 12) % 4 + 1
# The layout of n data panels plus one key panel: columns and rows.
layout_cols(n) = n + 1 <= 4 ? n + 1 : (n + 1 <= 6 ? 3 : (n + 1 <= 12 ? 4 : 5))
layout_rows(n) = int(ceil((n + 1.0) / layout_cols(n)))
# A key-only panel: the configurations' markers and labels (call with `eval key_panel`).
key_panel = "unset border; unset tics; unset grid; unset xlabel; unset ylabel; unset title; unset logscale; set xrange [0:1]; set yrange [0:1]; set key center center vertical maxrows 20 samplen 1 spacing 1.1 font ',8' noautotitle; plot for [c = 1:n_configs] NaN with linespoints lc rgb cfg_color(c) pt cfg_pt(c) ps 1.2 lw 1.5 title sprintf('%d %s', c, label[c]); set border; set tics; set grid"

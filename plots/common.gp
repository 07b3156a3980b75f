# Shared settings for every figure. Callers pass, with gnuplot -e:
#   summary = "results/summary.csv"   (written by `sbr report`)
#   out     = "results/figures/name"  (without extension)
#   fmt     = "png" or "pdf"
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
if (fmt eq "pdf") {
    set terminal pdfcairo size 7in,4.2in font "Helvetica,9" noenhanced
} else {
    set terminal pngcairo size 1100,660 font "Helvetica,10" noenhanced
}
set output out.".".fmt
set grid lc rgb "#dddddd"
set border lc rgb "#555555"
set key outside right top box lc rgb "#bbbbbb"
set style line 1 lc rgb "#1f77b4" pt 7 ps 1.1 lw 1.5
set style line 2 lc rgb "#d62728" pt 5 ps 1.1 lw 1.5
set style line 3 lc rgb "#2ca02c" pt 9 ps 1.3 lw 1.5
set style line 4 lc rgb "#9467bd" pt 11 ps 1.3 lw 1.5
set style line 5 lc rgb "#ff7f0e" pt 13 ps 1.3 lw 1.5
set style line 6 lc rgb "#8c564b" pt 4 ps 1.1 lw 1.5
set style line 7 lc rgb "#e377c2" pt 6 ps 1.1 lw 1.5
set style line 8 lc rgb "#17becf" pt 8 ps 1.1 lw 1.5
# A numeric parameter from the params column: getp("m=500;k=100", "k") = 100.
getp(s, key) = (_t = ";".s.";", _i = strstrt(_t, ";".key."="), _i == 0 ? NaN : \
                (_r = _t[_i + strlen(key) + 2:], real(_r[1:strstrt(_r, ";") - 1])))
# Keeps a value only on rows of one dataset at the figure's cutoff.
pick(ds, v) = (strcol("dataset") eq ds && column("cutoff") == cutoff) ? v : NaN

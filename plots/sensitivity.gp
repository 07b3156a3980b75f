# VMIS-kNN's sensitivity to m and k (the SIGMOD'22 grid): heat maps of MRR@N and
# Precision@N over m (x) and k (y), k <= m. Extra variables: dataset, cutoff, ms and ks
# (space-separated grid values, ascending).
load "plots/common.gp"
nm = words(ms)
nk = words(ks)
xi(m) = sum [i = 1:nm] (real(word(ms, i)) == m ? i - 1 : 0)
yi(k) = sum [i = 1:nk] (real(word(ks, i)) == k ? i - 1 : 0)
ok(v) = (strcol("dataset") eq dataset && strcol("algorithm") eq "vmis" && column("cutoff") == cutoff) ? v : NaN
set multiplot layout 1,2 title sprintf("VMIS-kNN on %s: sensitivity to m (sessions per item) and k (neighbours)", dataset)
set xrange [-0.5:nm - 0.5]
set yrange [-0.5:nk - 0.5]
set xtics () rotate by 45 right
do for [i = 1:nm] { set xtics add (word(ms, i) i - 1) }
set ytics ()
do for [i = 1:nk] { set ytics add (word(ks, i) i - 1) }
set xlabel "m"
set ylabel "k"
set palette defined (0 "#f7fbff", 0.5 "#9ecae1", 1 "#3182bd")
set style fill solid 1.0 noborder
unset key
set grid noxtics noytics
set title sprintf("MRR@%d", cutoff)
plot summary using (xi(getp(strcol("params"), "m"))):(yi(getp(strcol("params"), "k"))):(0.5):(0.5):(ok(column("mrr"))) \
     with boxxyerror fc palette, \
     summary using (xi(getp(strcol("params"), "m"))):(yi(getp(strcol("params"), "k"))):(ok(sprintf("%.4f", column("mrr")))) \
     with labels font ",7" tc rgb "#000000"
set title sprintf("Precision@%d", cutoff)
plot summary using (xi(getp(strcol("params"), "m"))):(yi(getp(strcol("params"), "k"))):(0.5):(0.5):(ok(column("precision"))) \
     with boxxyerror fc palette, \
     summary using (xi(getp(strcol("params"), "m"))):(yi(getp(strcol("params"), "k"))):(ok(sprintf("%.4f", column("precision")))) \
     with labels font ",7" tc rgb "#000000"
unset multiplot

# Accuracy per algorithm and dataset: MRR@N (top) and HR@N (bottom), the mean over slices with
# the spread (min..max) as error bars. Extra variables: datasets (space-separated), cutoff,
# labels (space-separated configuration labels, in `config` order, '~' for spaces).
load "plots/common.gp"
n = words(datasets)
nc = words(labels)
set multiplot layout 2,1 margins 0.08,0.80,0.30,0.95 spacing 0,0.04
set xrange [-0.6:nc - 0.4]
set xtics () nomirror
do for [i = 1:nc] { set xtics add ("" i - 1) }
set ylabel sprintf("MRR@%d", cutoff)
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set title sprintf("Accuracy per algorithm and dataset (mean over slices; bars: min..max)")
off(j) = (j - (n + 1) / 2.0) * (0.8 / n)
plot for [j = 1:n] summary using (column("config") + off(j)):(pick(word(datasets, j), column("mrr"))):\
     (column("mrr_min")):(column("mrr_max")) with yerrorbars ls j title word(datasets, j)
unset title
set xtics rotate by 40 right
set xtics () nomirror
do for [i = 1:nc] { set xtics add (system("echo ".word(labels, i)." | tr '~' ' '") i - 1) }
set ylabel sprintf("HR@%d", cutoff)
plot for [j = 1:n] summary using (column("config") + off(j)):(pick(word(datasets, j), column("hr"))):\
     (column("hr_min")):(column("hr_max")) with yerrorbars ls j notitle
unset multiplot

# Latency distribution per algorithm (log scale): boxes from p50 to p90, whiskers to p99.5,
# a cross at the maximum; one colour per dataset. Extra variables: datasets, cutoff, labels.
load "plots/common.gp"
n = words(datasets)
nc = words(labels)
set logscale y
set ylabel "latency per prediction (µs, log scale)"
set xrange [-0.6:nc - 0.4]
set xtics rotate by 40 right nomirror
set xtics ()
do for [i = 1:nc] { set xtics add (system("echo ".word(labels, i)." | tr '~' ' '") i - 1) }
set bmargin 12
set title "Prediction latency, one thread: box p50..p90, whiskers to p99.5, x = maximum"
set style fill solid 0.35 border
set boxwidth 0.5 / n
off(j) = (j - (n + 1) / 2.0) * (0.8 / n)
plot for [j = 1:n] summary using (column("config") + off(j)):(pick(word(datasets, j), column("lat_p50_us"))):\
     (column("lat_p50_us")):(column("lat_p995_us")):(column("lat_p90_us")) \
     with candlesticks whiskerbars ls j title word(datasets, j), \
     for [j = 1:n] summary using (column("config") + off(j)):(pick(word(datasets, j), column("lat_max_us"))) \
     with points ls j pt 2 notitle

# Prediction latency of VMIS-kNN against m, one line per k (the SIGMOD'22 latency grid), with
# V-SKNN for comparison as a horizontal line per configuration. Extra variables: dataset,
# cutoff, ks (space-separated), metric (a latency column, e.g. lat_p90_us).
load "plots/common.gp"
nk = words(ks)
set logscale x
set logscale y
set xlabel "m (most recent sessions per item)"
set ylabel sprintf("%s latency per prediction (µs, log scale)", metric eq "lat_p90_us" ? "p90" : metric)
set title sprintf("VMIS-kNN latency on %s against m and k (one thread); V-SKNN for comparison", dataset)
vm(k, v) = (strcol("dataset") eq dataset && strcol("algorithm") eq "vmis" && column("cutoff") == cutoff && getp(strcol("params"), "k") == k) ? v : NaN
vs(k, v) = (strcol("dataset") eq dataset && strcol("algorithm") eq "vsknn" && column("cutoff") == cutoff && getp(strcol("params"), "k") == k) ? v : NaN
plot for [j = 1:nk] summary using (getp(strcol("params"), "m")):(vm(real(word(ks, j)), column(metric))) \
     smooth unique with linespoints ls j title sprintf("vmis k=%s", word(ks, j)), \
     for [j = 1:nk] summary using (getp(strcol("params"), "sample_size")):(vs(real(word(ks, j)), column(metric))) \
     smooth unique with linespoints ls j dt 2 pt 3 title sprintf("vsknn k=%s (x = sample size)", word(ks, j))

# Accuracy against p90 latency: one point per configuration and dataset, labelled with the
# algorithm. Extra variables: datasets, cutoff.
load "plots/common.gp"
n = words(datasets)
set logscale x
set xlabel "p90 latency per prediction (µs, log scale)"
set ylabel sprintf("MRR@%d", cutoff)
set title "Accuracy versus latency (one thread)"
plot for [j = 1:n] summary using (pick(word(datasets, j), column("lat_p90_us"))):(column("mrr")) \
     with points ls j title word(datasets, j), \
     for [j = 1:n] summary using (pick(word(datasets, j), column("lat_p90_us"))):(column("mrr")):(strcol("algorithm")) \
     with labels offset 0.6,0.6 left font ",8" tc ls j notitle

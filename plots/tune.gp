# Best validation objective so far against trials, one line per search (trials.csv files of
# `sbr tune`). Extra variables: files (space-separated trials.csv paths), titles (the same
# number of words, '~' for spaces), objective (axis label, e.g. "MRR@20").
load "plots/common.gp"
n = words(files)
set xlabel "trial"
set ylabel sprintf("best validation %s so far", objective)
set title "Hyperparameter search: best objective so far"
set key inside right bottom
plot for [j = 1:n] word(files, j) using (column("trial") + 1):(column("best_so_far")) \
     with steps ls ((j - 1) % 8 + 1) lw 2 title system("echo ".word(titles, j)." | tr '~' ' '")

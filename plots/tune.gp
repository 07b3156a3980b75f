# Best validation objective so far against trials, one line per search (trials.csv files of
# `sbr tune`). Extra variables: files (space-separated trials.csv paths), titles (the same
# number of words, '~' for spaces), objective (axis label, e.g. "MRR@20").
load "plots/common.gp"
set datafile separator ','
set datafile columnheaders
cols = 1
rows = 1
pw = 1100
ph = 660
eval start_figure
n = words(files)
set xlabel "trial"
set ylabel sprintf("best validation %s so far", objective)
set title "Hyperparameter search: best objective so far"
set key inside right bottom
# One colour per method (TPE blue, random red, grid green), one dash pattern per seed.
colour(t) = strstrt(t, "tpe") ? "#1f77b4" : strstrt(t, "random") ? "#d62728" : "#2ca02c"
plot for [j = 1:n] word(files, j) using (column("trial") + 1):(column("best_so_far")) \
     with steps lc rgb (colour(word(titles, j))) dt 1 + (j - 1) % 5 lw 2 \
     title system("echo ".word(titles, j)." | tr '~' ' '")

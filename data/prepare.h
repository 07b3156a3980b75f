/* Importers: raw public click logs to session datasets (`sbr prepare`).
 *
 * Each format reads its raw dump exactly as published, builds sessions, and then applies
 * session-rec's filters (data/filter.h) with that dataset's session-rec defaults. Formats:
 *   sessions       any session TSV/CSV (session-rec, Serenade, the shared splits)
 *   lastfm1k       Last.fm-1K: userid, ISO time, artist id, artist, track id, track (no header);
 *                  sessions per user cut at an inactivity gap; item = track id, or a hash of
 *                  artist and track name when the track id is empty
 *   retailrocket   Kaggle events.csv (timestamp ms, visitorid, event, itemid, transactionid):
 *                  sessions per visitor with a gap over all events, then only chosen events
 *   yoochoose      RecSys Challenge 2015 clicks.dat (SessionId, ISO Timestamp, ItemId, Category)
 *   diginetica     train-item-views.csv (sessionId;userId;itemId;timeframe;eventdate):
 *                  time = midnight UTC of eventdate + timeframe / 1000 s
 *   30music, nowplaying   session-rec-style TSVs with UserId / ArtistId columns
 *   online-retail  UCI Online Retail: session = invoice, cancelled invoices ("C...") dropped,
 *                  item = StockCode (hashed), time = InvoiceDate
 * String ids become integers with sbr_hash53; user-built sessions are numbered 1, 2, ... in
 * order of (first click time, user), so session ids follow time. */
#ifndef SBR_DATA_PREPARE_H
#define SBR_DATA_PREPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"
#include "data/filter.h"
#include "data/load.h"

typedef struct sbr_prepare_options {
    const char *format;        /* one of the names above */
    sbr_load_options load;     /* delimiter, columns, skip_bad_rows, progress ("sessions" also
                                  uses columns and time_scale) */
    double session_gap_s;      /* lastfm1k, retailrocket: a longer pause starts a new session */
    const char *events;        /* retailrocket: comma-separated event types kept ("view") */
    sbr_filter_options filter; /* session-rec's defaults for the format */
} sbr_prepare_options;

/* Sets the defaults for `format`: gap 1800 s, events "view", and session-rec's filter values
 * (music formats and lastfm1k: first pass 2, item support 2, session length 5; the others:
 * 2, 5, 2). Errors: SBR_EINVAL for an unknown format, naming the known ones. */
sbr_rc sbr_prepare_options_init(sbr_prepare_options *opt, const char *format, sbr_err *err);

enum { SBR_PREPARE_MAX_COUNTERS = 8 };

typedef struct sbr_prepare_stats {
    sbr_load_stats load; /* rows read, kept, dropped as malformed per reason */
    size_t n_counters;   /* format-specific drops, e.g. {"other_event", 12}, {"cancelled", 3} */
    struct {
        const char *name; /* static string */
        uint64_t count;
    } counters[SBR_PREPARE_MAX_COUNTERS];
    size_t sessions_built;   /* sessions before filtering */
    sbr_filter_stats filter; /* what the filters removed */
} sbr_prepare_stats;

/* Reads the raw file `path` in opt->format and stores the filtered dataset in *out (caller
 * frees). Fills *stats (may be NULL). Errors: as sbr_load_clicks (file, line, column and text
 * for a malformed row unless skip_bad_rows), SBR_EINVAL for a bad option, SBR_ENOMEM. */
sbr_rc sbr_prepare(const char *path, const sbr_prepare_options *opt, sbr_dataset **out,
                   sbr_prepare_stats *stats, sbr_err *err);

typedef struct sbr_format_info {
    const char *name;
    const char *summary; /* one line for --help */
} sbr_format_info;

/* The known formats, in --help order; *n receives their count. */
const sbr_format_info *sbr_prepare_formats(size_t *n);

#endif

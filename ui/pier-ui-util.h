#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Small helpers the widgets share: how times and ids read, and in-place list updates. */

/* "just now", "4 minutes ago", "3 hours ago", "2 days ago", then the date ("12 Mar 2024"). */
char *pier_ui_format_ago (gint64 unix_usec);
/* "Up 4 minutes" style durations: "a few seconds", "4 minutes", "3 hours", "2 days". */
char *pier_ui_format_duration (gint64 usec);
/* The 12 hex digits people recognise an id by, without "sha256:". */
char *pier_ui_short_id (const char *id);

/* Replaces *@field with a copy of @value; TRUE when it differed (the caller notifies). */
gboolean pier_ui_set_string (char **field, const char *value);

/* Makes @store hold @items (GObjects, in order) while keeping what did not change in place:
 * one splice over the span between the common head and tail, nothing when equal. Rows whose
 * objects are reused keep their widgets, their selection and their scroll position. */
void pier_ui_list_store_sync (GListStore *store, GPtrArray *items);

/* For dispose: the template's top widget, which gtk_widget_dispose_template() leaves. */
void pier_ui_unparent_children (GtkWidget *widget);

G_END_DECLS

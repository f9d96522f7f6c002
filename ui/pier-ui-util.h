/* SPDX-License-Identifier: GPL-3.0-or-later */
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

/* A tooltip of static @text made only when it shows: gtk_widget_set_tooltip_text() costs as
 * much as the rest of a button, and list rows have many buttons. */
void pier_ui_set_static_tooltip (GtkWidget *widget, const char *text);

/* Row menus: a row's "More Actions" button, whose @make builds the menu for a target (a
 * container id, an image name) only when the button opens it, so binding a row to an item
 * costs no menu and no popover; a list of a thousand rows binds many.
 * pier_ui_menu_button_set_target() is for the factory's bind. */
typedef GMenuModel *(*PierMenuFunc) (const char *target);
GtkWidget *pier_ui_row_menu_button_new (PierMenuFunc make);
void pier_ui_menu_button_set_target (GtkMenuButton *button, const char *target);
const char *pier_ui_menu_button_get_target (GtkMenuButton *button);

/* A searchable list's stack shows "empty" while @all has nothing, "no-results" while the search
 * leaves nothing of it in @filtered, else "list"; call it whenever either changes. */
void pier_ui_list_stack_update (GtkStack *stack, GListModel *all, GListModel *filtered);
/* The search entry's text, lowercased and trimmed, as @filter's search. */
void pier_ui_string_filter_follow_entry (GtkStringFilter *filter, GtkEditable *entry);

/* Gives @view its @model once it has a size. Before its first allocation a GtkColumnView (GTK
 * 4.8) makes and measures rows for up to 200 items, whatever fits; after it, only those on
 * screen. A view not on screen gets its model when it first is. */
void pier_ui_column_view_set_model_when_sized (GtkColumnView *view, GtkSelectionModel *model);

/* The list a view of rows of @row_type shows: searched by *@filter over their "search-text",
 * sorted by @view's columns, one row selected at most, given to @view once it is sized. The
 * caller feeds *@filtered (gtk_filter_list_model_set_model) with a model's rows, again for
 * another connection's model. */
GtkSingleSelection *pier_ui_column_view_searchable (GtkColumnView *view, GType row_type,
                                                    GtkStringFilter **filter,
                                                    GtkFilterListModel **filtered);

/* Shows @error as the engine worded it, under @heading ("Could not stop “web”"), in a dialog
 * over the window @widget is in (a page's main window, or a dialog itself). */
void pier_ui_show_error (GtkWidget *widget, const char *heading, const GError *error);

/* For templates' <closure> bindings: !@value (sensitive while a dialog is not busy). */
gboolean pier_ui_closure_not (gpointer this, gboolean value);

/* For dispose: the template's top widget, which gtk_widget_dispose_template() leaves. */
void pier_ui_unparent_children (GtkWidget *widget);

G_END_DECLS

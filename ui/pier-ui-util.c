/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-ui-util.h"
#include "pier-error-dialog.h"
#include "pier-i18n.h"

#include <string.h>

char *
pier_ui_format_duration (gint64 usec)
{
  gint64 s = MAX (usec, 0) / G_USEC_PER_SEC;

  if (s < 60)
    return g_strdup (s < 10 ? _("a few seconds") : _("less than a minute"));
  if (s < 3600)
    return g_strdup_printf (g_dngettext (NULL, "%d minute", "%d minutes", s / 60), (int) (s / 60));
  if (s < 86400)
    return g_strdup_printf (g_dngettext (NULL, "%d hour", "%d hours", s / 3600), (int) (s / 3600));
  return g_strdup_printf (g_dngettext (NULL, "%d day", "%d days", s / 86400), (int) (s / 86400));
}

char *
pier_ui_format_ago (gint64 unix_usec)
{
  gint64 age = g_get_real_time () - unix_usec;
  g_autofree char *duration = NULL;

  if (unix_usec <= 0)
    return g_strdup (_("unknown"));
  if (age < 10 * G_USEC_PER_SEC)
    return g_strdup (_("just now"));
  if (age >= (gint64) 30 * 86400 * G_USEC_PER_SEC)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (unix_usec / G_USEC_PER_SEC);
      return when ? g_date_time_format (when, "%-d %b %Y") : g_strdup (_("unknown"));
    }
  duration = pier_ui_format_duration (age);
  return g_strdup_printf (_("%s ago"), duration);
}

char *
pier_ui_short_id (const char *id)
{
  const char *colon;

  if (id == NULL)
    return g_strdup ("");
  colon = strchr (id, ':');
  return g_strndup (colon ? colon + 1 : id, 12);
}

gboolean
pier_ui_set_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
pier_ui_list_store_sync (GListStore *store, GPtrArray *items)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint head = 0, tail = 0;

  while (head < n_old && head < items->len)
    {
      g_autoptr (GObject) old = g_list_model_get_item (G_LIST_MODEL (store), head);
      if (old != items->pdata[head])
        break;
      head++;
    }
  while (tail < n_old - head && tail < items->len - head)
    {
      g_autoptr (GObject) old = g_list_model_get_item (G_LIST_MODEL (store), n_old - 1 - tail);
      if (old != items->pdata[items->len - 1 - tail])
        break;
      tail++;
    }
  if (head == n_old && head == items->len)
    return;
  g_list_store_splice (store, head, n_old - head - tail, items->pdata + head,
                       items->len - head - tail);
}

static gboolean
query_static_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                      gpointer text)
{
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
pier_ui_set_static_tooltip (GtkWidget *widget, const char *text)
{
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_static_tooltip), (gpointer) text);
}

static gboolean
set_model_when_sized (GtkWidget *view, GdkFrameClock *clock, gpointer user_data)
{
  if (gtk_widget_get_width (view) == 0)
    return G_SOURCE_CONTINUE;
  gtk_column_view_set_model (GTK_COLUMN_VIEW (view), user_data);
  return G_SOURCE_REMOVE;
}

void
pier_ui_column_view_set_model_when_sized (GtkColumnView *view, GtkSelectionModel *model)
{
  if (gtk_widget_get_width (GTK_WIDGET (view)) > 0)
    gtk_column_view_set_model (view, model);
  else
    gtk_widget_add_tick_callback (GTK_WIDGET (view), set_model_when_sized, g_object_ref (model),
                                  g_object_unref);
}

static void
make_menu (GtkMenuButton *button, gpointer user_data)
{
  PierMenuFunc make = user_data;
  g_autoptr (GMenuModel) menu = make (g_object_get_data (G_OBJECT (button), "pier-menu-target"));

  gtk_menu_button_set_menu_model (button, menu);
}

GtkWidget *
pier_ui_row_menu_button_new (PierMenuFunc make)
{
  GtkWidget *button = gtk_menu_button_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  pier_ui_set_static_tooltip (button, _("More Actions"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("More actions"), -1);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), make_menu, make, NULL);
  return button;
}

void
pier_ui_menu_button_set_target (GtkMenuButton *button, const char *target)
{
  g_object_set_data_full (G_OBJECT (button), "pier-menu-target", g_strdup (target), g_free);
}

const char *
pier_ui_menu_button_get_target (GtkMenuButton *button)
{
  return g_object_get_data (G_OBJECT (button), "pier-menu-target");
}

void
pier_ui_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

void
pier_ui_list_stack_update (GtkStack *stack, GListModel *all, GListModel *filtered)
{
  if (g_list_model_get_n_items (all) == 0)
    gtk_stack_set_visible_child_name (stack, "empty");
  else if (g_list_model_get_n_items (filtered) == 0)
    gtk_stack_set_visible_child_name (stack, "no-results");
  else
    gtk_stack_set_visible_child_name (stack, "list");
}

void
pier_ui_string_filter_follow_entry (GtkStringFilter *filter, GtkEditable *entry)
{
  g_autofree char *text = g_utf8_strdown (gtk_editable_get_text (entry), -1);

  gtk_string_filter_set_search (filter, g_strstrip (text));
}

void
pier_ui_show_error (GtkWidget *widget, const char *heading, const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog = pier_error_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                             heading, error->message);

  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
pier_ui_closure_not (gpointer this, gboolean value)
{
  return !value;
}

GtkSingleSelection *
pier_ui_column_view_searchable (GtkColumnView *view, GType row_type, GtkStringFilter **filter,
                                GtkFilterListModel **filtered)
{
  GtkSortListModel *sorted;
  GtkSingleSelection *selection;

  *filter = gtk_string_filter_new (gtk_property_expression_new (row_type, NULL, "search-text"));
  gtk_string_filter_set_ignore_case (*filter, FALSE);
  *filtered = gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (*filter)));
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (*filtered)),
                                    g_object_ref (gtk_column_view_get_sorter (view)));
  selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  pier_ui_column_view_set_model_when_sized (view, GTK_SELECTION_MODEL (selection));
  return selection;
}

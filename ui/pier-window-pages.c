/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

#include "pier-container-page.h"
#include "pier-image-page.h"
#include "pier-run-dialog.h"
#include "pier-terminal.h"
#include "pier-i18n.h"

/* What the window shows: its messages, the views, the pages that slide in over them, and the
 * windows it opens (Run, terminals). The rest of the window calls these; they call nothing of it. */

/* ---- messages ---- */

void
pier_window_toast (PierWindow *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

struct _PierBusy {
  PierWindow *window;
  char *text;
  GCancellable *cancellable;
  AdwToast *toast;
  guint timeout_id;
};

static void
busy_cancel (AdwToast *toast, PierBusy *busy)
{
  g_cancellable_cancel (busy->cancellable);
}

static gboolean
busy_show (gpointer user_data)
{
  PierBusy *busy = user_data;

  busy->timeout_id = 0;
  busy->toast = g_object_ref (adw_toast_new (busy->text));
  adw_toast_set_timeout (busy->toast, 0);
  if (busy->cancellable != NULL)
    {
      adw_toast_set_button_label (busy->toast, "_Cancel");
      g_signal_connect (busy->toast, "button-clicked", G_CALLBACK (busy_cancel), busy);
    }
  adw_toast_overlay_add_toast (busy->window->toast_overlay, g_object_ref (busy->toast));
  return G_SOURCE_REMOVE;
}

PierBusy *
pier_window_begin_busy (PierWindow *self, const char *text, GCancellable *cancellable)
{
  PierBusy *busy = g_new0 (PierBusy, 1);

  busy->window = g_object_ref (self);
  busy->text = g_strdup (text);
  busy->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  busy->timeout_id = g_timeout_add (500, busy_show, busy);
  return busy;
}

void
pier_window_end_busy (PierBusy *busy)
{
  g_clear_handle_id (&busy->timeout_id, g_source_remove);
  if (busy->toast != NULL)
    {
      g_signal_handlers_disconnect_by_data (busy->toast, busy);
      adw_toast_dismiss (busy->toast);
      g_object_unref (busy->toast);
    }
  g_clear_object (&busy->cancellable);
  g_object_unref (busy->window);
  g_free (busy->text);
  g_free (busy);
}

/* ---- pages ---- */

/* The leaflet's pages, last first (a copy: removing one changes the leaflet's list). */
static GPtrArray *
pages_last_first (PierWindow *self)
{
  g_autoptr (GListModel) pages = G_LIST_MODEL (adw_leaflet_get_pages (self->leaflet));
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = g_list_model_get_n_items (pages); i > 0; i--)
    g_ptr_array_add (list, g_list_model_get_item (pages, i - 1));
  return list;
}

/* Pages after the visible one are where "back" already left. AdwLeaflet (1.2) touches the page
 * it slides away from until the slide ends, even once removed (a crash when the connection
 * changes right after Back): while it slides, the pages left only stop being navigatable, and
 * go once it ends (pier_window_forget_left_pages()). */
static void
forget_pages_after (PierWindow *self, GtkWidget *visible)
{
  gboolean sliding = adw_leaflet_get_child_transition_running (self->leaflet);
  g_autoptr (GPtrArray) pages = pages_last_first (self);

  for (guint i = 0; i < pages->len && adw_leaflet_page_get_child (pages->pdata[i]) != visible; i++)
    {
      if (sliding)
        adw_leaflet_page_set_navigatable (pages->pdata[i], FALSE);
      else
        adw_leaflet_remove (self->leaflet, adw_leaflet_page_get_child (pages->pdata[i]));
    }
}

static void
push_page (PierWindow *self, GtkWidget *page)
{
  forget_pages_after (self, adw_leaflet_get_visible_child (self->leaflet));
  adw_leaflet_append (self->leaflet, page);
  adw_leaflet_set_visible_child (self->leaflet, page);
}

static gboolean
forget_left_pages (gpointer user_data)
{
  PierWindow *self = user_data;
  g_autoptr (GPtrArray) pages = NULL;

  self->forget_id = 0;
  if (adw_leaflet_get_child_transition_running (self->leaflet))
    return G_SOURCE_REMOVE;
  forget_pages_after (self, adw_leaflet_get_visible_child (self->leaflet));
  /* Those left while sliding, wherever they are now. */
  pages = pages_last_first (self);
  for (guint i = 0; i < pages->len; i++)
    if (!adw_leaflet_page_get_navigatable (pages->pdata[i]))
      adw_leaflet_remove (self->leaflet, adw_leaflet_page_get_child (pages->pdata[i]));
  return G_SOURCE_REMOVE;
}

/* Not at once: a slide also ends inside adw_leaflet_set_visible_child() when a new one starts,
 * before the page it shows is the visible one. */
void
pier_window_forget_left_pages (PierWindow *self)
{
  if (self->forget_id == 0 && !adw_leaflet_get_child_transition_running (self->leaflet))
    self->forget_id = g_idle_add (forget_left_pages, self);
}

GtkWidget *
pier_window_get_page (PierWindow *self)
{
  GtkWidget *visible = adw_leaflet_get_visible_child (self->leaflet);

  return visible == self->main_box ? NULL : visible;
}

void
pier_window_close_pages (PierWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->main_box);
  forget_pages_after (self, self->main_box);
}

void
pier_window_go_back (PierWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

GtkWidget *
pier_window_open_container (PierWindow *self, const char *id, const char *tab)
{
  GtkWidget *page = pier_container_page_new (self->model, id);

  push_page (self, page);
  if (tab != NULL)
    pier_container_page_show_tab (PIER_CONTAINER_PAGE (page), tab);
  return page;
}

GtkWidget *
pier_window_open_image (PierWindow *self, const char *name_or_id)
{
  GtkWidget *page = pier_image_page_new (self->model, name_or_id);

  pier_image_page_set_copy_unavailable (PIER_IMAGE_PAGE (page), self->copy_why);
  push_page (self, page);
  return page;
}

/* ---- views ---- */

void
pier_window_show_view (PierWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
  if (pier_window_get_page (self) != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->main_box);
}

GtkWidget *
pier_window_get_view (PierWindow *self, const char *name)
{
  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

/* ---- run, terminal ---- */

static void
run_started (PierWindow *self, const char *id)
{
  AdwToast *toast = adw_toast_new (_("The container is running"));

  adw_toast_set_button_label (toast, "_Open");
  adw_toast_set_action_name (toast, "win.container-open");
  adw_toast_set_action_target_value (toast, g_variant_new_string (id));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  pier_window_show_view (self, "containers");
}

GtkWidget *
pier_window_open_run_dialog (PierWindow *self, const char *image)
{
  PierImageRow *selected = pier_images_view_get_selected (self->images_view);
  GtkWidget *dialog;

  if (image == NULL && selected != NULL)
    image = pier_image_row_get_target (selected);
  dialog = pier_run_dialog_new (GTK_WINDOW (self), self->model, image);
  g_signal_connect_object (dialog, "container-started", G_CALLBACK (run_started), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

GtkWidget *
pier_window_open_terminal (PierWindow *self, const char *id)
{
  GtkWidget *terminal = pier_terminal_new (self->model, id);

  gtk_window_set_application (GTK_WINDOW (terminal),
                              gtk_window_get_application (GTK_WINDOW (self)));
  gtk_window_present (GTK_WINDOW (terminal));
  return terminal;
}

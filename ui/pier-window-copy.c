/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

#include "pier-copy-dialog.h"
#include "pier-image-page.h"
#include "pier-image-row.h"
#include "pier-i18n.h"

/* "Copy to…" (win.image-copy('IMAGE')): the dialog over the connections but the one shown,
 * offered only when that one can save images and there is another to copy to. */

/* Why the connection shown cannot copy its images anywhere, or NULL when it can. */
static char *
copy_unavailable (PierWindow *self)
{
  if (!pier_engine_can (pier_model_get_engine (self->model), PIER_ENGINE_CALL_SAVE))
    return g_strdup_printf (_("The connection “%s” cannot save images: its engine does not offer it"),
                            self->connection);
  if (self->connections == NULL)
    return g_strdup (_("The connections are still being read"));
  if (pier_connections_get_all (self->connections)->len < 2)
    return g_strdup (_("There is no other connection to copy to: add one with pierctl connection add"));
  return NULL;
}

void
pier_window_update_copy (PierWindow *self)
{
  GtkWidget *page = pier_window_get_page (self);

  g_free (self->copy_why);
  self->copy_why = copy_unavailable (self);
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "image-copy")),
      self->copy_why == NULL);
  if (PIER_IS_IMAGE_PAGE (page))
    pier_image_page_set_copy_unavailable (PIER_IMAGE_PAGE (page), self->copy_why);
}

/* The image's bytes as the list has them, what the progress is measured against. */
static guint64
image_size (PierWindow *self, const char *image)
{
  GListModel *images = pier_model_get_images (self->model);
  guint64 size = 0;

  for (guint i = 0; size == 0 && i < g_list_model_get_n_items (images); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (images, i);
      if (g_strcmp0 (pier_image_row_get_target (row), image) == 0 ||
          g_strcmp0 (pier_image_row_get_id (row), image) == 0)
        g_object_get (row, "size-bytes", &size, NULL);
    }
  return size;
}

GtkWidget *
pier_window_copy_image (PierWindow *self, const char *image)
{
  GtkWidget *dialog;
  GPtrArray *all;

  if (self->copy_why != NULL)
    return NULL;
  dialog = pier_copy_dialog_new (GTK_WINDOW (self), pier_model_get_engine (self->model), image,
                                 image_size (self, image));
  all = pier_connections_get_all (self->connections);
  for (guint i = 0; i < all->len; i++)
    {
      const PierConnection *connection = all->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (PierEngine) engine = NULL;
      g_autofree char *why_not = NULL;

      if (g_strcmp0 (connection->name, self->connection) == 0)
        continue;
      /* Opening sends nothing: the engines are asked only once the copy starts. */
      engine = pier_connection_source_open_engine (self->source, connection, &error);
      if (engine == NULL)
        why_not = g_strdup (error->message);
      else if (!pier_engine_can (engine, PIER_ENGINE_CALL_LOAD))
        why_not = g_strdup_printf (_("“%s” cannot load images: its engine does not offer it"),
                                   connection->name);
      pier_copy_dialog_add_target (PIER_COPY_DIALOG (dialog), connection->name, engine, why_not);
    }
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
image_copy_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  pier_window_copy_image (user_data, g_variant_get_string (param, NULL));
}

void
pier_window_add_copy_action (PierWindow *self)
{
  static const GActionEntry entries[] = { { "image-copy", image_copy_activated, "s" } };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
}

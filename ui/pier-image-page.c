/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-image-page.h"

#include "pier-columns.h"
#include "pier-layer-row.h"
#include "pier-reference.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

#include <adwaita.h>

struct _PierImagePage {
  GtkWidget parent_instance;

  AdwViewSwitcherTitle *switcher_title;
  GtkLabel *name_label;
  GtkStack *stack;
  AdwStatusPage *error_page;
  AdwViewStack *view_stack;
  GtkColumnView *layers_view;
  GtkColumnView *history_view;
  GtkTextView *dockerfile_view;
  GtkTextView *inspect_view;

  PierModel *model;
  char *target;
  GListStore *layers;
  GListStore *history;
  GCancellable *cancellable;
  gboolean loaded;
  char *copy_unavailable;
};

G_DEFINE_FINAL_TYPE (PierImagePage, pier_image_page, GTK_TYPE_WIDGET)

/* "copy-unavailable": why "Copy to…" is not offered, which its button's tooltip says. */
enum { PROP_0, PROP_LOADED, PROP_COPY_UNAVAILABLE, N_PROPS };
static GParamSpec *props[N_PROPS];

typedef struct {
  char *title;
  char *subtitle;
  GListStore *layers;
  GListStore *history;
  char *dockerfile;
  char *inspect;
} Details;

static void
details_free (Details *d)
{
  g_free (d->title);
  g_free (d->subtitle);
  g_clear_object (&d->layers);
  g_clear_object (&d->history);
  g_free (d->dockerfile);
  g_free (d->inspect);
  g_free (d);
}

static char *
count_text (guint n)
{
  return n ? g_strdup_printf ("%u", n) : g_strdup ("—");
}

static char *
created_text (const char *rfc3339)
{
  g_autoptr (GDateTime) when = rfc3339 ? g_date_time_new_from_iso8601 (rfc3339, NULL) : NULL;

  return when ? pier_ui_format_ago (g_date_time_to_unix (when) * G_USEC_PER_SEC) : g_strdup ("—");
}

/* A step as a Dockerfile instruction where it reads as one, else as recorded. */
static char *
step_text (const char *instruction, const char *created_by)
{
  return g_strdup (instruction ? instruction : created_by ? created_by : "—");
}

/* What a step's layer takes: a step that made none "0 B"; one whose layer the image lacks
 * nothing; "?" when its layer's unpacked size is not known. Steps that made a layer own the
 * image's layers in order, bottom first (*@layer: the next one's index). */
static char *
step_size_text (const PierHistoryItem *item, GPtrArray *layers, guint *layer)
{
  const PierLayerInfo *made;

  if (item->empty_layer)
    return g_strdup ("0 B");
  if (*layer >= layers->len)
    return NULL;
  made = layers->pdata[(*layer)++];
  return made->unpacked_unknown ? g_strdup ("?") : g_format_size (made->size);
}

static GListStore *
history_rows (GPtrArray *history, GPtrArray *layers)
{
  GListStore *rows = g_list_store_new (PIER_TYPE_LAYER_ROW);
  guint layer = 0;

  /* Oldest first, as the image was built. */
  for (guint i = history->len; i > 0; i--)
    {
      PierHistoryItem *item = history->pdata[i - 1];
      g_autoptr (PierLayerRow) row = pier_layer_row_new ();

      pier_layer_row_take (row, PIER_LAYER_ROW_CREATED, created_text (item->created));
      pier_layer_row_take (row, PIER_LAYER_ROW_CREATED_BY, step_text (item->instruction, item->created_by));
      pier_layer_row_take (row, PIER_LAYER_ROW_COMMENT, g_strdup (item->comment));
      pier_layer_row_take (row, PIER_LAYER_ROW_SIZE, step_size_text (item, layers, &layer));
      g_list_store_append (rows, row);
    }
  return rows;
}

static GListStore *
layer_rows (GPtrArray *layers)
{
  GListStore *rows = g_list_store_new (PIER_TYPE_LAYER_ROW);

  for (guint i = 0; i < layers->len; i++)
    {
      PierLayerInfo *layer = layers->pdata[i];
      g_autoptr (PierLayerRow) row = pier_layer_row_new ();

      pier_layer_row_take (row, PIER_LAYER_ROW_POSITION, g_strdup_printf ("%u", i + 1));
      pier_layer_row_take (row, PIER_LAYER_ROW_DIGEST, pier_ui_short_id (layer->diff_id));
      pier_layer_row_take (row, PIER_LAYER_ROW_DIGEST_FULL,
                           g_strdup_printf ("diff ID %s\nblob %s", layer->diff_id,
                                            layer->digest ? layer->digest : "?"));
      pier_layer_row_take (row, PIER_LAYER_ROW_SIZE, g_format_size (layer->size));
      pier_layer_row_take (row, PIER_LAYER_ROW_CREATED, created_text (layer->created));
      pier_layer_row_take (row, PIER_LAYER_ROW_CREATED_BY, step_text (layer->instruction, layer->created_by));
      pier_layer_row_take (row, PIER_LAYER_ROW_IMAGES, count_text (layer->n_images));
      pier_layer_row_take (row, PIER_LAYER_ROW_CONTAINERS, count_text (layer->n_containers));
      g_list_store_append (rows, row);
    }
  return rows;
}

static Details *
read_details (PierEngine *engine, const char *target, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierImageInfo) image = pier_engine_get_image (engine, target, cancellable, error);
  g_autoptr (GPtrArray) layers = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autofree char *size = NULL;
  g_autofree char *short_id = NULL;
  Details *d;

  if (image == NULL ||
      (layers = pier_engine_image_layers (engine, image->id, cancellable, error)) == NULL ||
      (history = pier_engine_image_history (engine, image->id, cancellable, error)) == NULL)
    return NULL;
  d = g_new0 (Details, 1);
  d->title = image->names && image->names[0] ? pier_reference_familiar (image->names[0])
                                             : g_strdup ("<none>");
  size = g_format_size (image->size);
  short_id = pier_ui_short_id (image->id);
  d->subtitle = g_strdup_printf ("%s · %s · %u %s", short_id, size, layers->len,
                                 layers->len == 1 ? "layer" : "layers");
  d->layers = layer_rows (layers);
  d->history = history_rows (history, layers);
  d->dockerfile = pier_engine_image_history_dockerfile (engine, image->id, cancellable, error);
  d->inspect = d->dockerfile ? pier_engine_inspect_image (engine, image->id, cancellable, error)
                             : NULL;
  if (d->inspect == NULL)
    {
      details_free (d);
      return NULL;
    }
  return d;
}

/* The image to read on the worker thread. */
typedef struct {
  PierEngine *engine;
  char *target;
} Read;

static void
read_free (Read *r)
{
  g_object_unref (r->engine);
  g_free (r->target);
  g_free (r);
}

static gboolean
read_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Read *r = data;

  return (*result = read_details (r->engine, r->target, cancellable, error)) != NULL;
}

static void
read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierImagePage *self = PIER_IMAGE_PAGE (source);
  g_autoptr (GError) error = NULL;
  Details *d = NULL;
  gboolean ok = pier_ui_task_finish (result, (gpointer *) &d, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&d, details_free);
      return;
    }
  if (!ok)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  adw_view_switcher_title_set_title (self->switcher_title, d->title);
  gtk_label_set_label (self->name_label, d->title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), d->subtitle);
  adw_view_switcher_title_set_subtitle (self->switcher_title, d->subtitle);
  g_set_object (&self->layers, d->layers);
  g_set_object (&self->history, d->history);
  gtk_column_view_set_model (self->layers_view,
                             GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (d->layers)))));
  gtk_column_view_set_model (self->history_view,
                             GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (d->history)))));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->dockerfile_view), d->dockerfile, -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->inspect_view), d->inspect, -1);
  gtk_stack_set_visible_child_name (self->stack, "content");
  details_free (d);
  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADED]);
}

static char *
text_of (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
copy_text (PierImagePage *self, GtkTextView *view)
{
  g_autofree char *text = text_of (view);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", _("Copied"));
}

static void
copy_dockerfile (PierImagePage *self)
{
  copy_text (self, self->dockerfile_view);
}

static void
copy_inspect (PierImagePage *self)
{
  copy_text (self, self->inspect_view);
}

static void
page_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PierImagePage *self = PIER_IMAGE_PAGE (widget);
  g_autofree char *win_action = g_strconcat ("win.image-", action_name + strlen ("page."), NULL);

  gtk_widget_activate_action (widget, win_action, "s", self->target);
}

/* The page's actions, each offered only when the engine can make its call. */
static const struct {
  const char *action;
  PierEngineCall call;
} offered[] = {
  { "page.run", PIER_ENGINE_CALL_RUN },
  { "page.tag", PIER_ENGINE_CALL_TAG },
  { "page.save", PIER_ENGINE_CALL_SAVE },
  { "page.remove", PIER_ENGINE_CALL_REMOVE_IMAGE },
};

void
pier_image_page_set_copy_unavailable (PierImagePage *self, const char *why)
{
  g_free (self->copy_unavailable);
  self->copy_unavailable = g_strdup (why);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.copy", why == NULL);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COPY_UNAVAILABLE]);
}

static char *
copy_tooltip (gpointer this, const char *why)
{
  return g_strdup (why ? why : _("Copy This Image to Another Connection"));
}

GtkWidget *
pier_image_page_new (PierModel *model, const char *name_or_id)
{
  PierImagePage *self = g_object_new (PIER_TYPE_IMAGE_PAGE, NULL);
  Read *r = g_new0 (Read, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (offered); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), offered[i].action,
                                   pier_engine_can (pier_model_get_engine (model), offered[i].call));
  self->model = g_object_ref (model);
  self->target = g_strdup (name_or_id);
  adw_view_switcher_title_set_title (self->switcher_title, name_or_id);
  gtk_label_set_label (self->name_label, name_or_id);
  r->engine = g_object_ref (pier_model_get_engine (model));
  r->target = g_strdup (name_or_id);
  pier_ui_run_in_thread (self, self->cancellable, read_work, r, (GDestroyNotify) read_free,
                         (GDestroyNotify) details_free, read_done, NULL);
  return GTK_WIDGET (self);
}

gboolean
pier_image_page_get_loaded (PierImagePage *self)
{
  return self->loaded;
}

void
pier_image_page_show_tab (PierImagePage *self, const char *tab)
{
  adw_view_stack_set_visible_child_name (self->view_stack, tab);
}

GListModel *
pier_image_page_get_layers (PierImagePage *self)
{
  return G_LIST_MODEL (self->layers);
}

GListModel *
pier_image_page_get_history (PierImagePage *self)
{
  return G_LIST_MODEL (self->history);
}

char *
pier_image_page_get_dockerfile (PierImagePage *self)
{
  return text_of (self->dockerfile_view);
}

static void
pier_image_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_LOADED)
    g_value_set_boolean (value, PIER_IMAGE_PAGE (object)->loaded);
  else if (prop_id == PROP_COPY_UNAVAILABLE)
    g_value_set_string (value, PIER_IMAGE_PAGE (object)->copy_unavailable);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_image_page_dispose (GObject *object)
{
  PierImagePage *self = PIER_IMAGE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_IMAGE_PAGE);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->layers);
  g_clear_object (&self->history);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_image_page_parent_class)->dispose (object);
}

static void
pier_image_page_finalize (GObject *object)
{
  PierImagePage *self = PIER_IMAGE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->target);
  g_free (self->copy_unavailable);
  G_OBJECT_CLASS (pier_image_page_parent_class)->finalize (object);
}

static void
pier_image_page_class_init (PierImagePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pier_image_page_get_property;
  object_class->dispose = pier_image_page_dispose;
  object_class->finalize = pier_image_page_finalize;
  props[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_COPY_UNAVAILABLE] = g_param_spec_string ("copy-unavailable", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                          G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Named by the template's cells. */
  g_type_ensure (PIER_TYPE_LAYER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-image-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PierImagePage, name)
  CHILD (switcher_title);
  CHILD (name_label);
  CHILD (stack);
  CHILD (error_page);
  CHILD (view_stack);
  CHILD (layers_view);
  CHILD (history_view);
  CHILD (dockerfile_view);
  CHILD (inspect_view);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, copy_dockerfile);
  gtk_widget_class_bind_template_callback (widget_class, copy_inspect);
  gtk_widget_class_bind_template_callback (widget_class, copy_tooltip);
  pier_column_class_bind_template_callbacks (widget_class);
  gtk_widget_class_install_action (widget_class, "page.run", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "page.tag", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "page.save", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "page.copy", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "page.remove", NULL, page_action);
}

static void
pier_image_page_init (PierImagePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

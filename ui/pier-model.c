/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-model.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"


struct _PierModel {
  GObject parent_instance;

  PierEngine *engine;
  char *error;
  gboolean loaded;
  GCancellable *cancellable;

  GListStore *images;
  GListStore *containers;
  GHashTable *container_rows; /* id → PierContainerRow (borrowed from the list) */

  guint64 events_cursor;
  PierEventsWatch *events_watch; /* NULL when the engine cannot say: then every tick reads */
  guint tick_id;
  guint ticks;
  gboolean events_busy, events_again;
  gboolean images_busy, images_again;
  gboolean containers_busy;
  GHashTable *containers_wanted; /* ids to reread once the current reread is over */

  /* When the engine stops answering: why, and when it is asked again. */
  char *unreachable;
  guint retry_base_ms;
  guint retry_ms;
  guint retry_id;
  gboolean pinging;
};

G_DEFINE_FINAL_TYPE (PierModel, pier_model, G_TYPE_OBJECT)

enum { PROP_0, PROP_LOADED, PROP_ERROR, PROP_UNREACHABLE, PROP_RETRY_BASE_MS, N_PROPS };
enum { SIGNAL_CONTAINER_REMOVED, N_SIGNALS };

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void engine_lost (PierModel *self, const GError *error);
static void ping (PierModel *self);

/* ---- what the worker threads read ---- */

static GPtrArray *
read_images (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return pier_engine_list_images (engine, NULL, cancellable, error);
}

/* ---- images ---- */

static void
count_containers (PierModel *self)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->containers));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (G_LIST_MODEL (self->containers), i);
      const char *image_id = pier_container_row_get_container (row)->image_id;

      if (image_id == NULL)
        continue; /* a broken container's image is not known */
      g_hash_table_insert (counts, (gpointer) image_id,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, image_id)) + 1));
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->images));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (G_LIST_MODEL (self->images), i);
      pier_image_row_set_containers (
          row, GPOINTER_TO_UINT (g_hash_table_lookup (counts, pier_image_row_get_id (row))));
    }
}

static void
show_images (PierModel *self, GPtrArray *infos)
{
  g_autoptr (GHashTable) old = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->images));

  for (guint i = 0; i < n; i++)
    {
      PierImageRow *row = g_list_model_get_item (G_LIST_MODEL (self->images), i);
      g_hash_table_insert (old, g_strconcat (pier_image_row_get_id (row), "\n",
                                             pier_image_row_get_reference (row), NULL),
                           row);
    }
  for (guint i = 0; i < infos->len; i++)
    {
      PierImageInfo *info = infos->pdata[i];
      guint n_names = MAX (info->names ? g_strv_length (info->names) : 0, 1);

      for (guint j = 0; j < n_names; j++)
        {
          const char *reference = info->names ? info->names[j] : NULL;
          g_autofree char *key = g_strconcat (info->id, "\n", reference, NULL);
          PierImageRow *row = NULL;

          if (!g_hash_table_steal_extended (old, key, NULL, (gpointer *) &row))
            row = pier_image_row_new (info->id, reference);
          pier_image_row_update (row, info->created, info->size);
          g_ptr_array_add (rows, row);
        }
    }
  g_hash_table_foreach (old, (GHFunc) (void (*) (void)) g_object_unref, NULL);
  pier_ui_list_store_sync (self->images, rows);
  count_containers (self);
}

static gboolean
images_read_work (gpointer engine, gpointer *result, GCancellable *cancellable, GError **error)
{
  return (*result = read_images (engine, cancellable, error)) != NULL;
}

static void
images_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierModel *self = PIER_MODEL (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) infos = NULL;

  if (!pier_ui_task_finish (result, (gpointer *) &infos, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->images_busy = FALSE;
  if (infos != NULL)
    show_images (self, infos);
  else
    engine_lost (self, error);
  if (self->images_again)
    pier_model_refresh_images (self);
}

void
pier_model_refresh_images (PierModel *self)
{
  if (!self->loaded)
    return;
  if (self->images_busy)
    {
      self->images_again = TRUE;
      return;
    }
  self->images_busy = TRUE;
  self->images_again = FALSE;
  pier_ui_run_in_thread (self, self->cancellable, images_read_work, g_object_ref (self->engine),
                         g_object_unref, (GDestroyNotify) g_ptr_array_unref, images_read_done, NULL);
}

/* ---- containers ---- */

static PierContainerRow *
insert_container (PierModel *self, PierContainerInfo *container)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->containers));
  g_autoptr (PierContainerRow) row = pier_container_row_new (container);
  guint pos = 0;

  /* Newest first, as the engine lists them. */
  while (pos < n)
    {
      g_autoptr (PierContainerRow) other = g_list_model_get_item (G_LIST_MODEL (self->containers), pos);
      if (pier_container_row_get_container (other)->created <= container->created)
        break;
      pos++;
    }
  g_hash_table_insert (self->container_rows, g_strdup (container->id), row);
  g_list_store_insert (self->containers, pos, row);
  return row;
}

static void
remove_container (PierModel *self, const char *id)
{
  PierContainerRow *row = g_hash_table_lookup (self->container_rows, id);
  guint pos;

  if (row == NULL)
    return;
  if (g_list_store_find (self->containers, row, &pos))
    g_list_store_remove (self->containers, pos);
  g_hash_table_remove (self->container_rows, id);
  g_signal_emit (self, signals[SIGNAL_CONTAINER_REMOVED], 0, id);
}

/* @found: id → PierContainerInfo (NULL when gone), taken. */
static void
show_containers (PierModel *self, GHashTable *found)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PierContainerRow *row = g_hash_table_lookup (self->container_rows, key);

      g_hash_table_iter_steal (&iter);
      if (value == NULL)
        remove_container (self, key);
      else if (row != NULL)
        pier_container_row_update (row, value);
      else
        insert_container (self, value);
      g_free (key);
    }
  count_containers (self);
}

/* The containers to read again, on the worker thread. */
typedef struct {
  PierEngine *engine;
  GPtrArray *ids;
} Wanted;

static void
wanted_free (Wanted *w)
{
  g_object_unref (w->engine);
  g_ptr_array_unref (w->ids);
  g_free (w);
}

static gboolean
containers_read_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  PierEngine *engine = ((Wanted *) data)->engine;
  GPtrArray *ids = ((Wanted *) data)->ids;
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) pier_container_info_free);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GError) missing = NULL;
      PierContainerInfo *c = pier_engine_get_container (engine, ids->pdata[i], TRUE, cancellable,
                                                        &missing);

      /* A record being written is read again at the next tick rather than taken for gone. */
      if (c == NULL && !g_error_matches (missing, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        continue;
      g_hash_table_insert (found, g_strdup (ids->pdata[i]), c);
    }
  *result = found;
  return TRUE;
}

static void read_wanted_containers (PierModel *self);

static void
containers_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierModel *self = PIER_MODEL (source);
  g_autoptr (GHashTable) found = NULL;

  if (!pier_ui_task_finish (result, (gpointer *) &found, NULL))
    return; /* cancelled: the model is going away */
  self->containers_busy = FALSE;
  show_containers (self, found);
  read_wanted_containers (self);
}

static void
read_wanted_containers (PierModel *self)
{
  GHashTableIter iter;
  gpointer id;
  Wanted *wanted;

  if (!self->loaded || self->containers_busy ||
      g_hash_table_size (self->containers_wanted) == 0)
    return;
  wanted = g_new0 (Wanted, 1);
  wanted->engine = g_object_ref (self->engine);
  wanted->ids = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->containers_wanted);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (wanted->ids, id);
    }
  self->containers_busy = TRUE;
  pier_ui_run_in_thread (self, self->cancellable, containers_read_work, wanted,
                         (GDestroyNotify) wanted_free, (GDestroyNotify) g_hash_table_unref,
                         containers_read_done, NULL);
}

void
pier_model_refresh_container (PierModel *self, const char *id)
{
  g_hash_table_add (self->containers_wanted, g_strdup (id));
  read_wanted_containers (self);
}

/* ---- the engine's events ---- */

typedef struct {
  PierEngine *engine;
  guint64 cursor; /* where the read starts, then where the next one does */
} EventsRead;

static void
events_read_free (EventsRead *read)
{
  g_object_unref (read->engine);
  g_free (read);
}

static gboolean
events_read_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  EventsRead *read = data;

  return (*result = pier_engine_read_events (read->engine, &read->cursor, cancellable, error)) != NULL;
}

static void read_events (PierModel *self);

static void
events_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierModel *self = PIER_MODEL (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;
  EventsRead *read = pier_ui_task_get_data (result);
  gboolean images = FALSE;

  if (!pier_ui_task_finish (result, (gpointer *) &events, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->events_busy = FALSE;
  if (events != NULL)
    self->events_cursor = read->cursor;
  else
    engine_lost (self, error);
  /* What changed during the read is read next, from where this read ended. */
  if (self->events_again)
    read_events (self);
  if (events == NULL)
    return;
  for (guint i = 0; i < events->len; i++)
    {
      PierEngineEvent *event = events->pdata[i];
      if (g_strcmp0 (event->type, "container") == 0 && event->id != NULL)
        g_hash_table_add (self->containers_wanted, g_strdup (event->id));
      else if (g_strcmp0 (event->type, "image") == 0)
        images = TRUE;
    }
  read_wanted_containers (self);
  if (images)
    pier_model_refresh_images (self);
}

static void
read_events (PierModel *self)
{
  EventsRead *read;

  if (self->events_busy)
    {
      self->events_again = TRUE;
      return;
    }
  self->events_busy = TRUE;
  self->events_again = FALSE;
  read = g_new0 (EventsRead, 1);
  read->engine = g_object_ref (self->engine);
  read->cursor = self->events_cursor;
  pier_ui_run_in_thread (self, self->cancellable, events_read_work, read,
                         (GDestroyNotify) events_read_free, (GDestroyNotify) g_ptr_array_unref,
                         events_read_done, NULL);
}

/* The engine says when events may be waiting; without a watch, the tick asks. */
static void
watch_events (PierModel *self)
{
  g_autoptr (GError) error = NULL;

  self->events_watch = pier_engine_watch_events (self->engine, &error);
  if (self->events_watch == NULL)
    {
      g_warning (_("Cannot watch the engine for changes (%s): reading them every second instead"),
                 error->message);
      return;
    }
  g_signal_connect_swapped (self->events_watch, "changed", G_CALLBACK (read_events), self);
  /* What happened between the cursor's reading and the watch's start. */
  read_events (self);
}

static gboolean
tick (gpointer user_data)
{
  PierModel *self = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->containers));
  /* Running containers' "Up …" reads in seconds; the rest change every few minutes at most. */
  gboolean all = ++self->ticks % 10 == 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (G_LIST_MODEL (self->containers), i);
      if (pier_container_row_get_running (row))
        {
          g_hash_table_add (self->containers_wanted, g_strdup (pier_container_row_get_id (row)));
          pier_container_row_tick (row);
        }
      else if (all)
        pier_container_row_tick (row);
    }
  if (all)
    {
      n = g_list_model_get_n_items (G_LIST_MODEL (self->images));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PierImageRow) row = g_list_model_get_item (G_LIST_MODEL (self->images), i);
          pier_image_row_tick (row);
        }
    }
  if (self->events_watch == NULL)
    read_events (self);
  read_wanted_containers (self);
  /* A peer that went says nothing: without changes to read, asking is how it is noticed. */
  if (self->ticks % 5 == 0)
    ping (self);
  return G_SOURCE_CONTINUE;
}

/* ---- an engine that stops answering ---- */

static gboolean
ping_work (gpointer engine, gpointer *result, GCancellable *cancellable, GError **error)
{
  return pier_engine_ping (engine, cancellable, error);
}

static void load (PierModel *self);

static void
ping_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierModel *self = PIER_MODEL (source);
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer id;

  if (!pier_ui_task_finish (result, NULL, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->pinging = FALSE;
  if (error != NULL)
    {
      engine_lost (self, error);
      return;
    }
  if (self->unreachable == NULL)
    return;
  g_debug ("the engine answers again");
  g_clear_pointer (&self->unreachable, g_free);
  self->retry_ms = 0;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UNREACHABLE]);
  if (!self->loaded)
    {
      g_clear_pointer (&self->error, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
      load (self);
      return;
    }
  /* What changed meanwhile: the events since the cursor, every image and container again. */
  self->tick_id = g_timeout_add_seconds (1, tick, self);
  g_hash_table_iter_init (&iter, self->container_rows);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_hash_table_add (self->containers_wanted, g_strdup (id));
  read_events (self);
  pier_model_refresh_images (self);
  read_wanted_containers (self);
}

static void
ping (PierModel *self)
{
  if (self->pinging)
    return;
  self->pinging = TRUE;
  pier_ui_run_in_thread (self, self->cancellable, ping_work, g_object_ref (self->engine),
                         g_object_unref, NULL, ping_done, NULL);
}

static gboolean
retry (gpointer user_data)
{
  PierModel *self = user_data;

  self->retry_id = 0;
  ping (self);
  return G_SOURCE_REMOVE;
}

/* A read failed: the engine is taken for gone (a list names nothing that could be missing), its
 * rows stay as they were, and it is asked again after 1, 2, 4... up to 30 retry periods. */
static void
engine_lost (PierModel *self, const GError *error)
{
  if (g_cancellable_is_cancelled (self->cancellable) || self->retry_id != 0)
    return;
  if (g_strcmp0 (self->unreachable, error->message) != 0)
    {
      g_debug ("the engine does not answer: %s", error->message);
      g_free (self->unreachable);
      self->unreachable = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UNREACHABLE]);
    }
  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->retry_ms = self->retry_ms == 0 ? self->retry_base_ms
                                       : MIN (self->retry_ms * 2, self->retry_base_ms * 30);
  self->retry_id = g_timeout_add (self->retry_ms, retry, self);
}

/* ---- opening ---- */

typedef struct {
  GPtrArray *images;
  GPtrArray *containers;
  guint64 events_cursor;
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->images, g_ptr_array_unref);
  g_clear_pointer (&loaded->containers, g_ptr_array_unref);
  g_free (loaded);
}

static gboolean
load_work (gpointer engine, gpointer *result, GCancellable *cancellable, GError **error)
{
  Loaded *loaded = g_new0 (Loaded, 1);
  g_autoptr (GPtrArray) none = NULL;

  /* Changes from here on come through the events. */
  loaded->events_cursor = PIER_ENGINE_EVENTS_NOW;
  if ((none = pier_engine_read_events (engine, &loaded->events_cursor, cancellable, error)) == NULL ||
      (loaded->images = read_images (engine, cancellable, error)) == NULL ||
      (loaded->containers = pier_engine_list_containers (engine, cancellable, error)) == NULL)
    {
      loaded_free (loaded);
      return FALSE;
    }
  *result = loaded;
  return TRUE;
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierModel *self = PIER_MODEL (source);
  g_autoptr (GError) error = NULL;
  Loaded *loaded = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  if (!pier_ui_task_finish (result, (gpointer *) &loaded, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (loaded == NULL)
    {
      g_free (self->error);
      self->error = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
      engine_lost (self, error);
      return;
    }
  self->events_cursor = loaded->events_cursor;

  rows = g_ptr_array_new_with_free_func (g_object_unref);
  /* Each container goes to its row. */
  g_ptr_array_set_free_func (loaded->containers, NULL);
  for (guint i = 0; i < loaded->containers->len; i++)
    {
      PierContainerInfo *c = g_steal_pointer (&loaded->containers->pdata[i]);
      PierContainerRow *row = pier_container_row_new (c);
      g_hash_table_insert (self->container_rows, g_strdup (c->id), row);
      g_ptr_array_add (rows, row);
    }
  pier_ui_list_store_sync (self->containers, rows);
  show_images (self, loaded->images);
  loaded_free (loaded);

  watch_events (self);
  self->tick_id = g_timeout_add_seconds (1, tick, self);
  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADED]);
}

static void
load (PierModel *self)
{
  pier_ui_run_in_thread (self, self->cancellable, load_work, g_object_ref (self->engine),
                         g_object_unref, (GDestroyNotify) loaded_free, load_done, NULL);
}

PierModel *
pier_model_new (PierEngine *engine)
{
  PierModel *self = g_object_new (PIER_TYPE_MODEL, NULL);

  self->engine = g_object_ref (engine);
  load (self);
  return self;
}

/* ---- accessors ---- */

PierEngine *
pier_model_get_engine (PierModel *self)
{
  return self->engine;
}

gboolean
pier_model_get_loaded (PierModel *self)
{
  return self->loaded;
}

const char *
pier_model_get_error (PierModel *self)
{
  return self->error;
}

const char *
pier_model_get_unreachable (PierModel *self)
{
  return self->unreachable;
}

GListModel *
pier_model_get_images (PierModel *self)
{
  return G_LIST_MODEL (self->images);
}

GListModel *
pier_model_get_containers (PierModel *self)
{
  return G_LIST_MODEL (self->containers);
}

PierContainerRow *
pier_model_find_container (PierModel *self, const char *id)
{
  return g_hash_table_lookup (self->container_rows, id);
}

static void
pier_model_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierModel *self = PIER_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADED: g_value_set_boolean (value, self->loaded); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_UNREACHABLE: g_value_set_string (value, self->unreachable); break;
    case PROP_RETRY_BASE_MS: g_value_set_uint (value, self->retry_base_ms); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_model_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PierModel *self = PIER_MODEL (object);

  if (prop_id == PROP_RETRY_BASE_MS)
    self->retry_base_ms = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

void
pier_model_close (PierModel *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->events_watch != NULL)
    g_signal_handlers_disconnect_by_data (self->events_watch, self);
  g_clear_object (&self->events_watch);
}

static void
pier_model_dispose (GObject *object)
{
  pier_model_close (PIER_MODEL (object));
  G_OBJECT_CLASS (pier_model_parent_class)->dispose (object);
}

static void
pier_model_finalize (GObject *object)
{
  PierModel *self = PIER_MODEL (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_object (&self->images);
  g_clear_object (&self->containers);
  g_hash_table_unref (self->container_rows);
  g_hash_table_unref (self->containers_wanted);
  g_free (self->error);
  g_free (self->unreachable);
  G_OBJECT_CLASS (pier_model_parent_class)->finalize (object);
}

static void
pier_model_class_init (PierModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pier_model_get_property;
  object_class->set_property = pier_model_set_property;
  object_class->dispose = pier_model_dispose;
  object_class->finalize = pier_model_finalize;
  props[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_UNREACHABLE] = g_param_spec_string ("unreachable", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_RETRY_BASE_MS] = g_param_spec_uint ("retry-base-ms", NULL, NULL, 1, G_MAXUINT / 64,
                                                 1000, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_CONTAINER_REMOVED] =
      g_signal_new ("container-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pier_model_init (PierModel *self)
{
  self->cancellable = g_cancellable_new ();
  self->retry_base_ms = 1000;
  self->images = g_list_store_new (PIER_TYPE_IMAGE_ROW);
  self->containers = g_list_store_new (PIER_TYPE_CONTAINER_ROW);
  self->container_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->containers_wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

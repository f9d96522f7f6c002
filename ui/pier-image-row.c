/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-image-row.h"

#include "pier-reference.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

struct _PierImageRow {
  GObject parent_instance;

  char *id;
  char *short_id;
  char *reference;
  char *name;
  char *repository;
  char *tag;
  char *target;
  gint64 created_unix;
  char *created;
  guint64 size_bytes;
  char *size;
  guint containers;
  char *search_text;
};

G_DEFINE_FINAL_TYPE (PierImageRow, pier_image_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SHORT_ID,
  PROP_NAME,
  PROP_REPOSITORY,
  PROP_TAG,
  PROP_CREATED,
  PROP_CREATED_TIME,
  PROP_SIZE,
  PROP_SIZE_BYTES,
  PROP_CONTAINERS,
  PROP_CONTAINERS_TEXT,
  PROP_SEARCH_TEXT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

PierImageRow *
pier_image_row_new (const char *id, const char *reference)
{
  PierImageRow *self = g_object_new (PIER_TYPE_IMAGE_ROW, NULL);
  g_autofree char *search = NULL;

  self->id = g_strdup (id);
  self->short_id = pier_ui_short_id (id);
  self->reference = g_strdup (reference);
  if (reference != NULL)
    {
      self->name = pier_reference_familiar (reference);
      pier_reference_split_familiar (reference, &self->repository, &self->tag);
      self->target = g_strdup (self->name);
    }
  else
    {
      self->name = g_strdup ("<none>");
      self->repository = g_strdup ("<none>");
      self->tag = g_strdup ("<none>");
      self->target = g_strdup (id);
    }
  search = g_strjoin (" ", self->name, self->id, NULL);
  self->search_text = g_utf8_strdown (search, -1);
  return self;
}

void
pier_image_row_tick (PierImageRow *self)
{
  g_autofree char *created = pier_ui_format_ago (self->created_unix * G_USEC_PER_SEC);

  if (pier_ui_set_string (&self->created, created))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CREATED]);
}

void
pier_image_row_update (PierImageRow *self, gint64 created_unix, guint64 size)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->created_unix != created_unix)
    {
      self->created_unix = created_unix;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CREATED_TIME]);
    }
  pier_image_row_tick (self);
  if (self->size == NULL || self->size_bytes != size)
    {
      self->size_bytes = size;
      g_free (self->size);
      self->size = g_format_size (size);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SIZE]);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SIZE_BYTES]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
pier_image_row_set_containers (PierImageRow *self, guint n_containers)
{
  if (self->containers == n_containers)
    return;
  self->containers = n_containers;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONTAINERS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONTAINERS_TEXT]);
}

const char *
pier_image_row_get_id (PierImageRow *self)
{
  return self->id;
}

const char *
pier_image_row_get_reference (PierImageRow *self)
{
  return self->reference;
}

const char *
pier_image_row_get_target (PierImageRow *self)
{
  return self->target;
}

const char *
pier_image_row_get_name (PierImageRow *self)
{
  return self->name;
}

static void
pier_image_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierImageRow *self = PIER_IMAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_SHORT_ID: g_value_set_string (value, self->short_id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_REPOSITORY: g_value_set_string (value, self->repository); break;
    case PROP_TAG: g_value_set_string (value, self->tag); break;
    case PROP_CREATED: g_value_set_string (value, self->created); break;
    case PROP_CREATED_TIME: g_value_set_int64 (value, self->created_unix); break;
    case PROP_SIZE: g_value_set_string (value, self->size); break;
    case PROP_SIZE_BYTES: g_value_set_uint64 (value, self->size_bytes); break;
    case PROP_CONTAINERS: g_value_set_uint (value, self->containers); break;
    case PROP_CONTAINERS_TEXT:
      if (self->containers == 0)
        g_value_set_string (value, _("Unused"));
      else
        g_value_take_string (value, g_strdup_printf (g_dngettext (NULL, "%u container", "%u containers",
                                                                  self->containers),
                                                     self->containers));
      break;
    case PROP_SEARCH_TEXT: g_value_set_string (value, self->search_text); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_image_row_finalize (GObject *object)
{
  PierImageRow *self = PIER_IMAGE_ROW (object);

  g_free (self->id);
  g_free (self->short_id);
  g_free (self->reference);
  g_free (self->name);
  g_free (self->repository);
  g_free (self->tag);
  g_free (self->target);
  g_free (self->created);
  g_free (self->size);
  g_free (self->search_text);
  G_OBJECT_CLASS (pier_image_row_parent_class)->finalize (object);
}

static void
pier_image_row_class_init (PierImageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const char *strings[] = {
    [PROP_ID] = "id", [PROP_SHORT_ID] = "short-id", [PROP_NAME] = "name",
    [PROP_REPOSITORY] = "repository", [PROP_TAG] = "tag", [PROP_CREATED] = "created",
    [PROP_SIZE] = "size", [PROP_CONTAINERS_TEXT] = "containers-text",
    [PROP_SEARCH_TEXT] = "search-text",
  };

  object_class->get_property = pier_image_row_get_property;
  object_class->finalize = pier_image_row_finalize;
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i] != NULL)
      props[i] = g_param_spec_string (strings[i], NULL, NULL, NULL, flags);
  props[PROP_CREATED_TIME] = g_param_spec_int64 ("created-time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  props[PROP_SIZE_BYTES] = g_param_spec_uint64 ("size-bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_CONTAINERS] = g_param_spec_uint ("containers", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pier_image_row_init (PierImageRow *self)
{
}

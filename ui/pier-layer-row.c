/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-row.h"

struct _PierLayerRow {
  GObject parent_instance;

  char *fields[PIER_LAYER_ROW_N_FIELDS];
};

G_DEFINE_FINAL_TYPE (PierLayerRow, pier_layer_row, G_TYPE_OBJECT)

/* Property ids are the fields shifted by one (0 is reserved). */
static GParamSpec *props[PIER_LAYER_ROW_N_FIELDS + 1];

PierLayerRow *
pier_layer_row_new (void)
{
  return g_object_new (PIER_TYPE_LAYER_ROW, NULL);
}

void
pier_layer_row_take (PierLayerRow *self, PierLayerRowField field, char *value)
{
  g_free (self->fields[field]);
  self->fields[field] = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[field + 1]);
}

const char *
pier_layer_row_get (PierLayerRow *self, PierLayerRowField field)
{
  return self->fields[field] ? self->fields[field] : "";
}

static void
pier_layer_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierLayerRow *self = PIER_LAYER_ROW (object);

  if (prop_id == 0 || prop_id > PIER_LAYER_ROW_N_FIELDS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_value_set_string (value, pier_layer_row_get (self, prop_id - 1));
}

static void
pier_layer_row_finalize (GObject *object)
{
  PierLayerRow *self = PIER_LAYER_ROW (object);

  for (guint i = 0; i < PIER_LAYER_ROW_N_FIELDS; i++)
    g_free (self->fields[i]);
  G_OBJECT_CLASS (pier_layer_row_parent_class)->finalize (object);
}

static void
pier_layer_row_class_init (PierLayerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const char *names[PIER_LAYER_ROW_N_FIELDS] = {
    "position", "digest", "digest-full", "size", "created", "created-by", "comment", "images",
    "containers",
  };

  object_class->get_property = pier_layer_row_get_property;
  object_class->finalize = pier_layer_row_finalize;
  for (guint i = 0; i < PIER_LAYER_ROW_N_FIELDS; i++)
    props[i + 1] = g_param_spec_string (names[i], NULL, NULL, NULL,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, PIER_LAYER_ROW_N_FIELDS + 1, props);
}

static void
pier_layer_row_init (PierLayerRow *self)
{
}

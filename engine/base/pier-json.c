/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-json.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <math.h>

void
pier_json_writer_clear (PierJsonWriter *w)
{
  g_clear_error (&w->error);
}

gboolean
pier_json_validate_text (const char *what, const char *text, GError **error)
{
  g_autofree char *quoted = NULL;

  if (g_utf8_validate (text, -1, NULL))
    return TRUE;
  quoted = pier_error_quote (text);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s %s is not valid UTF-8 text"), what,
               quoted);
  return FALSE;
}

/* Only the first failure is kept: the rest of a document is written on regardless, and what
 * went wrong first is what a person needs to see. */
static GError **
slot (PierJsonWriter *w)
{
  return w->error == NULL ? &w->error : NULL;
}

gboolean
pier_json_check_text (PierJsonWriter *w, const char *name, const char *text)
{
  return pier_json_validate_text (name, text, slot (w));
}

json_t *
pier_json_text (PierJsonWriter *w, const char *name, const char *text)
{
  if (!pier_json_check_text (w, name, text))
    return NULL;
  return json_string (text);
}

json_t *
pier_json_text_take (PierJsonWriter *w, const char *name, char *text)
{
  json_t *value = pier_json_text (w, name, text);

  g_free (text);
  return value;
}

json_t *
pier_json_strv (PierJsonWriter *w, const char *name, const char *const *strv)
{
  json_t *array = json_array ();

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      g_autofree char *item = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", name, i);
      pier_json_append (w, array, pier_json_text (w, item, strv[i]));
    }
  return array;
}

json_t *
pier_json_real (PierJsonWriter *w, const char *name, double value)
{
  if (!isfinite (value))
    {
      g_set_error (slot (w), PIER_ERROR, PIER_ERROR_INVALID, _("%s %g is not a finite number"),
                   name, value);
      return NULL;
    }
  return json_real (value);
}

json_t *
pier_json_shown_text (const char *text)
{
  g_autofree char *valid = NULL;

  if (g_utf8_validate (text, -1, NULL))
    return json_string (text);
  valid = g_utf8_make_valid (text, -1);
  return json_string (valid);
}

static void
missing (PierJsonWriter *w, const char *what)
{
  g_set_error (slot (w), PIER_ERROR, PIER_ERROR_FAILED, _("%s: no value to write"), what);
}

void
pier_json_set (PierJsonWriter *w, json_t *object, const char *key, json_t *value)
{
  if (!pier_json_check_text (w, "the member name", key))
    {
      json_decref (value);
      return;
    }
  if (value == NULL)
    missing (w, key);
  else
    json_object_set_new (object, key, value);
}

void
pier_json_set_text (PierJsonWriter *w, json_t *object, const char *key, const char *text)
{
  if (text != NULL)
    pier_json_set (w, object, key, pier_json_text (w, key, text));
}

void
pier_json_append (PierJsonWriter *w, json_t *array, json_t *value)
{
  if (value == NULL)
    missing (w, "an array item");
  else
    json_array_append_new (array, value);
}

char *
pier_json_writer_dump (PierJsonWriter *w, json_t *root, size_t flags, GError **error)
{
  char *dumped = w->error == NULL ? json_dumps (root, flags) : NULL;
  char *out;

  json_decref (root);
  if (w->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&w->error));
      return NULL;
    }
  if (dumped == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("could not write the JSON text"));
      return NULL;
    }
  out = g_strdup (dumped);
  free (dumped);
  return out;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-reference.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

void
pier_reference_free (PierReference *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->domain);
  g_free (ref->path);
  g_free (ref->tag);
  g_free (ref->digest);
  g_free (ref);
}

static gboolean
is_lower_alnum (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c);
}

/* A path component: lowercase alphanumerics separated by ".", "_", "__" or runs of "-". */
static gboolean
component_is_valid (const char *c, gsize len)
{
  gsize i = 0;

  if (len == 0 || !is_lower_alnum (c[0]) || !is_lower_alnum (c[len - 1]))
    return FALSE;
  while (i < len)
    {
      if (is_lower_alnum (c[i]))
        {
          i++;
          continue;
        }
      if (c[i] == '.' || (c[i] == '_' && !(i + 1 < len && c[i + 1] == '_')))
        i++;
      else if (c[i] == '_' && c[i + 1] == '_')
        i += 2;
      else if (c[i] == '-')
        while (i < len && c[i] == '-')
          i++;
      else
        return FALSE;
      if (i >= len || !is_lower_alnum (c[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
domain_is_valid (const char *d)
{
  for (const char *p = d; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != ':' && *p != '[' && *p != ']')
      return FALSE;
  return *d != '\0';
}

static gboolean
tag_is_valid (const char *t)
{
  gsize len = strlen (t);

  if (len == 0 || len > 128 || !(g_ascii_isalnum (t[0]) || t[0] == '_'))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!g_ascii_isalnum (t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
      return FALSE;
  return TRUE;
}

static gboolean
invalid (GError **error, const char *text, const char *why)
{
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("invalid reference “%s”: %s"), text, why);
  return FALSE;
}

PierReference *
pier_reference_parse (const char *text, GError **error)
{
  g_autoptr (PierReference) ref = g_new0 (PierReference, 1);
  g_autofree char *rest = NULL;
  char *at, *slash, *colon, *name;
  g_auto (GStrv) components = NULL;

  if (text == NULL || *text == '\0')
    {
      invalid (error, "", "empty");
      return NULL;
    }
  if (strlen (text) > 255 + 128 + 72)
    {
      invalid (error, text, "too long");
      return NULL;
    }
  rest = g_strdup (text);
  at = strchr (rest, '@');
  if (at != NULL)
    {
      *at = '\0';
      if (!pier_digest_is_valid (at + 1))
        {
          invalid (error, text, "the digest must be sha256: and 64 lowercase hex digits");
          return NULL;
        }
      ref->digest = g_strdup (at + 1);
    }
  /* The tag follows the last ":" after the last "/" (a ":" before it is a registry port). */
  slash = strrchr (rest, '/');
  colon = strrchr (slash ? slash : rest, ':');
  if (colon != NULL)
    {
      *colon = '\0';
      if (!tag_is_valid (colon + 1))
        {
          invalid (error, text, "a tag is 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
          return NULL;
        }
      ref->tag = g_strdup (colon + 1);
    }
  name = rest;
  slash = strchr (name, '/');
  if (slash != NULL)
    {
      g_autofree char *first = g_strndup (name, slash - name);
      if (strchr (first, '.') || strchr (first, ':') || strcmp (first, "localhost") == 0 ||
          g_ascii_isupper (first[0]))
        {
          if (!domain_is_valid (first))
            {
              invalid (error, text, "the registry name is not a host name");
              return NULL;
            }
          ref->domain = g_steal_pointer (&first);
          name = slash + 1;
        }
    }
  if (ref->domain == NULL)
    ref->domain = g_strdup (PIER_DEFAULT_DOMAIN);
  components = g_strsplit (name, "/", -1);
  for (char **c = components; *c; c++)
    if (!component_is_valid (*c, strlen (*c)))
      {
        invalid (error, text,
                 "repository names are lowercase letters, digits and separators (. _ __ -)");
        return NULL;
      }
  if (strcmp (ref->domain, PIER_DEFAULT_DOMAIN) == 0 && components[1] == NULL)
    ref->path = g_strconcat ("library/", name, NULL);
  else
    ref->path = g_strdup (name);
  if (ref->tag == NULL && ref->digest == NULL)
    ref->tag = g_strdup (PIER_DEFAULT_TAG);
  return g_steal_pointer (&ref);
}

char *
pier_reference_name (const PierReference *ref)
{
  return g_strconcat (ref->domain, "/", ref->path, NULL);
}

char *
pier_reference_to_string (const PierReference *ref)
{
  GString *s = g_string_new (ref->domain);

  g_string_append_printf (s, "/%s", ref->path);
  if (ref->tag)
    g_string_append_printf (s, ":%s", ref->tag);
  if (ref->digest)
    g_string_append_printf (s, "@%s", ref->digest);
  return g_string_free (s, FALSE);
}

char *
pier_reference_familiar (const char *normalized)
{
  const char *p = normalized;

  if (g_str_has_prefix (p, PIER_DEFAULT_DOMAIN "/"))
    {
      p += strlen (PIER_DEFAULT_DOMAIN "/");
      if (g_str_has_prefix (p, "library/") && strchr (p + strlen ("library/"), '/') == NULL)
        p += strlen ("library/");
    }
  return g_strdup (p);
}

void
pier_reference_split_familiar (const char *normalized, char **repository, char **tag)
{
  g_autofree char *familiar = NULL;
  char *slash, *colon, *at;

  if (normalized == NULL)
    {
      *repository = g_strdup ("<none>");
      *tag = g_strdup ("<none>");
      return;
    }
  familiar = pier_reference_familiar (normalized);
  at = strchr (familiar, '@');
  if (at)
    *at = '\0';
  slash = strrchr (familiar, '/');
  colon = strrchr (slash ? slash : familiar, ':');
  if (colon)
    {
      *colon = '\0';
      *tag = g_strdup (colon + 1);
    }
  else
    *tag = g_strdup ("<none>");
  *repository = g_strdup (familiar);
}

gboolean
pier_reference_looks_like_id (const char *text)
{
  if (g_str_has_prefix (text, PIER_DIGEST_PREFIX))
    text += strlen (PIER_DIGEST_PREFIX);
  if (*text == '\0' || strlen (text) > PIER_DIGEST_HEX_LEN)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

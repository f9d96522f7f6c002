/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-cli-format.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <stdio.h>
#include <string.h>

char *
pier_format_size (guint64 bytes)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double value = bytes;
  guint unit = 0;

  while (value >= 1000 && unit + 1 < G_N_ELEMENTS (units))
    {
      value /= 1000;
      unit++;
    }
  if (unit == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "B", bytes);
  /* Three significant digits, as Docker prints them. */
  return g_strdup_printf ("%.3g%s", value, units[unit]);
}

char *
pier_format_ago (gint64 unix_time)
{
  gint64 seconds = g_get_real_time () / G_USEC_PER_SEC - unix_time;
  gint64 minutes = seconds / 60, hours = minutes / 60, days = hours / 24;

  if (unix_time <= 0)
    return g_strdup ("N/A");
  if (seconds < 1)
    return g_strdup ("Less than a second ago");
  if (seconds < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " second%s ago", seconds, seconds == 1 ? "" : "s");
  if (minutes == 1)
    return g_strdup ("About a minute ago");
  if (minutes < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " minutes ago", minutes);
  if (hours == 1)
    return g_strdup ("About an hour ago");
  if (hours < 48)
    return g_strdup_printf ("%" G_GINT64_FORMAT " hours ago", hours);
  if (days < 14)
    return g_strdup_printf ("%" G_GINT64_FORMAT " days ago", days);
  if (days < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " weeks ago", days / 7);
  if (days < 730)
    return g_strdup_printf ("%" G_GINT64_FORMAT " months ago", days / 30);
  return g_strdup_printf ("%" G_GINT64_FORMAT " years ago", days / 365);
}

char *
pier_format_truncate (const char *text, guint max)
{
  if (text == NULL)
    return g_strdup ("");
  if (g_utf8_strlen (text, -1) <= (glong) max)
    return g_strdup (text);
  {
    g_autofree char *head = g_utf8_substring (text, 0, max - 1);
    return g_strconcat (head, "…", NULL);
  }
}

struct _PierTable {
  GPtrArray *rows; /* GStrv */
  guint columns;
};

static GStrv
collect (const char *first, va_list args)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;

  /* Cells may hold what a process put in its command line: widths are counted in characters,
   * which bytes that are not UTF-8 are not. */
  for (const char *cell = first; cell != NULL; cell = va_arg (args, const char *))
    {
      g_autofree char *valid = g_utf8_make_valid (cell, -1);
      g_strv_builder_add (b, valid);
    }
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

PierTable *
pier_table_new (const char *first_header, ...)
{
  PierTable *table = g_new0 (PierTable, 1);
  va_list args;
  GStrv header;

  va_start (args, first_header);
  header = collect (first_header, args);
  va_end (args);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  table->columns = g_strv_length (header);
  g_ptr_array_add (table->rows, header);
  return table;
}

void
pier_table_add_row (PierTable *table, const char *first_cell, ...)
{
  va_list args;

  va_start (args, first_cell);
  g_ptr_array_add (table->rows, collect (first_cell, args));
  va_end (args);
}

void
pier_table_print (PierTable *table)
{
  g_autofree glong *widths = g_new0 (glong, table->columns);

  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv row = table->rows->pdata[r];
      for (guint c = 0; c < table->columns && row[c]; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
    }
  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv row = table->rows->pdata[r];
      GString *line = g_string_new (NULL);
      for (guint c = 0; c < table->columns && row[c]; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < table->columns)
            for (glong pad = g_utf8_strlen (row[c], -1); pad < widths[c] + 3; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      printf ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

void
pier_table_free (PierTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}

gboolean
pier_format_check (const char *format, GError **error)
{
  if (format == NULL || strcmp (format, "json") == 0 || strcmp (format, "table") == 0)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("unsupported --format “%s”: use json or table"), format);
  return FALSE;
}

gboolean
pier_format_print_json (PierJsonWriter *w, json_t *value, GError **error)
{
  g_autofree char *text = pier_json_writer_dump (w, value, JSON_INDENT (4) | JSON_PRESERVE_ORDER,
                                                 error);

  if (text == NULL)
    return FALSE;
  printf ("%s\n", text);
  return TRUE;
}

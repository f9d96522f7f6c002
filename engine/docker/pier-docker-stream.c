/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-stream.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

/* Progress and event documents are small; a line this long is a peer gone wrong. */
#define MAX_LINE (1024 * 1024)

void
pier_docker_frames_init (PierDockerFrames *frames, const char *peer, PierDockerFrameFunc func,
                         gpointer user_data)
{
  memset (frames, 0, sizeof *frames);
  frames->peer = peer;
  frames->func = func;
  frames->user_data = user_data;
}

gboolean
pier_docker_frames_feed (PierDockerFrames *frames, const char *data, gsize len, GError **error)
{
  while (len > 0)
    {
      if (frames->remaining == 0)
        {
          gsize n = MIN (len, 8 - frames->header_len);
          memcpy (frames->header + frames->header_len, data, n);
          frames->header_len += n;
          data += n;
          len -= n;
          if (frames->header_len < 8)
            return TRUE;
          frames->header_len = 0;
          if (frames->header[0] > 2 || frames->header[1] != 0 || frames->header[2] != 0 ||
              frames->header[3] != 0)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                           _("%s sent a stream frame of unknown kind %u: refused"), frames->peer,
                           frames->header[0]);
              return FALSE;
            }
          frames->remaining = (guint32) frames->header[4] << 24 |
                              (guint32) frames->header[5] << 16 |
                              (guint32) frames->header[6] << 8 | frames->header[7];
          continue;
        }
      else
        {
          gsize n = MIN (len, frames->remaining);
          int stream = frames->header[0] == 2 ? 2 : 1;
          if (!frames->func (stream, data, n, frames->user_data, error))
            return FALSE;
          frames->remaining -= n;
          data += n;
          len -= n;
        }
    }
  return TRUE;
}

void
pier_docker_lines_init (PierDockerLines *lines, const char *peer, PierDockerLineFunc func,
                        gpointer user_data)
{
  lines->pending = g_string_new (NULL);
  lines->peer = peer;
  lines->func = func;
  lines->user_data = user_data;
}

static gboolean
one_line (PierDockerLines *lines, const char *text, gsize len, GError **error)
{
  json_error_t json_error;
  json_t *document;
  gboolean ok;

  while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == ' '))
    len--;
  if (len == 0)
    return TRUE;
  document = json_loadb (text, len, 0, &json_error);
  if (!json_is_object (document))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s sent a progress line that is not a JSON object: %s"), lines->peer,
                   document == NULL ? json_error.text : "");
      json_decref (document);
      return FALSE;
    }
  ok = lines->func (document, lines->user_data, error);
  json_decref (document);
  return ok;
}

gboolean
pier_docker_lines_feed (PierDockerLines *lines, const char *data, gsize len, GError **error)
{
  const char *end = data + len;

  while (data < end)
    {
      const char *newline = memchr (data, '\n', end - data);
      gsize n = (newline != NULL ? newline : end) - data;

      if (lines->pending->len + n > MAX_LINE)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("%s sent a progress line longer than %u KiB: refused"), lines->peer,
                       MAX_LINE / 1024);
          return FALSE;
        }
      g_string_append_len (lines->pending, data, n);
      data += n;
      if (newline == NULL)
        break;
      data++;
      if (!one_line (lines, lines->pending->str, lines->pending->len, error))
        return FALSE;
      g_string_truncate (lines->pending, 0);
    }
  return TRUE;
}

gboolean
pier_docker_lines_finish (PierDockerLines *lines, GError **error)
{
  gboolean ok = one_line (lines, lines->pending->str, lines->pending->len, error);

  pier_docker_lines_clear (lines);
  return ok;
}

void
pier_docker_lines_clear (PierDockerLines *lines)
{
  if (lines->pending != NULL)
    g_string_free (lines->pending, TRUE);
  lines->pending = NULL;
}

gboolean
pier_docker_lines_chunk (const char *data, gsize len, gpointer lines, GError **error)
{
  return pier_docker_lines_feed (lines, data, len, error);
}

const char *
pier_docker_progress_error (json_t *document)
{
  json_t *detail = json_object_get (document, "errorDetail");

  if (json_is_string (json_object_get (detail, "message")))
    return json_string_value (json_object_get (detail, "message"));
  if (json_is_string (json_object_get (document, "error")))
    return json_string_value (json_object_get (document, "error"));
  return NULL;
}

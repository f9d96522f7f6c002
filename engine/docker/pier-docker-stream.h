/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <jansson.h>

G_BEGIN_DECLS

/* The two shapes of the Docker Engine API's streamed replies, read as they come in pieces of
 * any size: the 8-byte frames that multiplex stdout and stderr (logs, attach and exec without
 * a terminal), and JSON documents one a line (pull, load and push progress, events). Both
 * treat the bytes as untrusted: a bad frame header or an overlong line is an error. */

/* @stream: 1 stdout, 2 stderr. FALSE (with @error set) stops the stream. */
typedef gboolean (*PierDockerFrameFunc) (int stream, const char *data, gsize len,
                                         gpointer user_data, GError **error);

typedef struct {
  guint8 header[8];
  guint header_len;
  guint32 remaining; /* of the current frame's payload */
  const char *peer;  /* for messages */
  PierDockerFrameFunc func;
  gpointer user_data;
} PierDockerFrames;

void pier_docker_frames_init (PierDockerFrames *frames, const char *peer,
                              PierDockerFrameFunc func, gpointer user_data);
gboolean pier_docker_frames_feed (PierDockerFrames *frames, const char *data, gsize len,
                                  GError **error);

/* Each line's JSON document; FALSE (with @error set) stops the stream. */
typedef gboolean (*PierDockerLineFunc) (json_t *document, gpointer user_data, GError **error);

typedef struct {
  GString *pending;
  const char *peer;
  PierDockerLineFunc func;
  gpointer user_data;
} PierDockerLines;

void pier_docker_lines_init (PierDockerLines *lines, const char *peer, PierDockerLineFunc func,
                             gpointer user_data);
gboolean pier_docker_lines_feed (PierDockerLines *lines, const char *data, gsize len,
                                 GError **error);
/* The last line, if no newline ended it; then frees what it holds. */
gboolean pier_docker_lines_finish (PierDockerLines *lines, GError **error);
void pier_docker_lines_clear (PierDockerLines *lines);

/* A PierDockerChunkFunc (pier-docker-client.h) feeding a PierDockerLines. */
gboolean pier_docker_lines_chunk (const char *data, gsize len, gpointer lines, GError **error);

/* The "error" or "errorDetail.message" of a progress document, or NULL. */
const char *pier_docker_progress_error (json_t *document);

G_END_DECLS

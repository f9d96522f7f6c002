/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-unpack [--raw] FILE DEST: unpacks a layer (plain or gzip tar) into DEST as Pier does
 * (through a PierLayerStream, which also computes both digests; overlay mode, owners kept) and
 * prints the seconds it took. --raw reads a plain tar straight from its descriptor: extraction
 * alone, without the digests. Not a test: tests/bench/bench-unpack.sh runs it against GNU tar
 * and bsdtar. */
#include "pier-fsutil.h"
#include "pier-layer-unpack.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLayerStream) stream = NULL;
  PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = TRUE };
  PierUnpackStats stats = { 0 };
  pier_autofd int fd = -1;
  pier_autofd int dest = -1;
  struct timespec start, end;
  gboolean raw = argc == 4 && strcmp (argv[1], "--raw") == 0;
  const char *file, *dest_path;
  double seconds;
  gboolean ok;

  if (argc != (raw ? 4 : 3))
    {
      fprintf (stderr, "usage: %s [--raw] FILE DEST\n", argv[0]);
      return 2;
    }
  file = argv[raw ? 2 : 1];
  dest_path = argv[raw ? 3 : 2];
  clock_gettime (CLOCK_MONOTONIC, &start);
  fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      perror (file);
      return 1;
    }
  dest = pier_fs_open_dir_at (AT_FDCWD, dest_path, &error);
  if (dest < 0)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (raw)
    ok = pier_layer_unpack (pier_read_fd, GINT_TO_POINTER (fd), dest, &options, &stats, NULL,
                            &error);
  else
    {
      stream = pier_layer_stream_new_for_fd (fd);
      ok = pier_layer_unpack (pier_layer_stream_read, stream, dest, &options, &stats, NULL,
                              &error)
           && pier_layer_stream_drain (stream, &error);
    }
  if (!ok)
    {
      fprintf (stderr, "%s: %s\n", file, error->message);
      return 1;
    }
  clock_gettime (CLOCK_MONOTONIC, &end);
  seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  printf ("%.3f s, %" G_GUINT64_FORMAT " entries, %" G_GUINT64_FORMAT " bytes of content\n",
          seconds, stats.n_entries, stats.content_bytes);
  return 0;
}

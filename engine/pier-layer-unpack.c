#include "pier-layer-unpack.h"
#include "pier-error.h"

gboolean
pier_layer_unpack (PierReadFunc read, gpointer read_data, int dest_dirfd,
                   const PierUnpackOptions *options, PierUnpackStats *stats,
                   GCancellable *cancellable, GError **error)
{
  g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, "not written yet");
  return FALSE;
}

#include "pier-layer-pack.h"
#include "pier-error.h"

gboolean
pier_layer_pack (int src_dirfd, const PierPackOptions *options, PierWriteFunc write,
                 gpointer write_data, GCancellable *cancellable, GError **error)
{
  g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, "not written yet");
  return FALSE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The value types of PierEngine: releasing them. */
#include "pier-engine-types.h"

void
pier_image_info_free (PierImageInfo *info)
{
  g_free (info->id);
  g_free (info->digest);
  g_strfreev (info->names);
  g_free (info->created_text);
  g_free (info->broken);
  g_free (info);
}

void
pier_history_item_free (PierHistoryItem *item)
{
  g_free (item->id);
  g_free (item->created);
  g_free (item->created_by);
  g_free (item->instruction);
  g_free (item->comment);
  g_free (item);
}

void
pier_layer_info_free (PierLayerInfo *info)
{
  g_free (info->diff_id);
  g_free (info->digest);
  g_free (info->created);
  g_free (info->created_by);
  g_free (info->instruction);
  g_free (info);
}

void
pier_image_removal_free (PierImageRemoval *removal)
{
  g_strfreev (removal->untagged);
  g_strfreev (removal->deleted);
  g_free (removal);
}

void
pier_container_info_free (PierContainerInfo *info)
{
  g_free (info->id);
  g_free (info->name);
  g_free (info->image);
  g_free (info->image_id);
  g_strfreev (info->command);
  g_strfreev (info->env);
  g_free (info->user);
  g_free (info->working_dir);
  g_free (info->hostname);
  g_free (info->network);
  g_free (info->ip_address);
  g_free (info->pod);
  g_free (info->broken);
  g_free (info);
}

void
pier_process_info_free (PierProcessInfo *info)
{
  g_free (info->user);
  g_free (info->host_user);
  g_free (info->tty);
  g_free (info->command);
  g_free (info->container);
  g_free (info);
}

void
pier_session_info_free (PierSessionInfo *info)
{
  g_free (info->origin);
  g_ptr_array_unref (info->processes);
  g_free (info);
}

void
pier_engine_event_free (PierEngineEvent *event)
{
  g_free (event->type);
  g_free (event->action);
  g_free (event->id);
  g_free (event->name);
  g_free (event);
}

void
pier_file_change_free (PierFileChange *change)
{
  g_free (change->path);
  g_free (change);
}

void
pier_pull_result_free (PierPullResult *result)
{
  g_free (result->reference);
  g_free (result->digest);
  g_free (result);
}

void
pier_push_result_free (PierPushResult *result)
{
  g_free (result->reference);
  g_free (result->digest);
  g_free (result);
}

void
pier_graphical_session_free (PierGraphicalSession *session)
{
  g_free (session->socket_path);
  g_free (session->fingerprint);
  g_free (session->display);
  g_free (session);
}

#include "pier-container-inspect.h"

#include "pier-caps.h"
#include "pier-oci.h"

#include <jansson.h>
#include <string.h>

static json_t *
strv_json (char **strv)
{
  json_t *a = json_array ();
  for (; strv && *strv; strv++)
    json_array_append_new (a, json_string (*strv));
  return a;
}

static json_t *
take_string (char *text)
{
  json_t *j = json_string (text);
  g_free (text);
  return j;
}

static json_t *
time_json (gint64 usec)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *base = NULL;

  if (usec <= 0)
    return json_string ("0001-01-01T00:00:00Z");
  dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return take_string (g_strdup_printf ("%s.%06dZ", base, (int) (usec % G_USEC_PER_SEC)));
}

char *
pier_container_inspect_json (PierStore *store, const PierContainer *c)
{
  json_t *o = json_object ();
  json_t *state = json_object ();
  json_t *config = json_object ();
  json_t *host = json_object ();
  json_t *binds = json_array ();
  json_t *net = json_object ();
  json_t *networks = json_object ();
  json_t *graph = json_object ();
  json_t *graph_data = json_object ();
  g_autoptr (GPtrArray) lowers = pier_container_get_lower_dirs (store, c);
  g_autofree char *upper = pier_container_get_upper_dir (store, c);
  g_autofree char *dir = pier_container_get_dir (store, c);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *log = pier_container_get_log_path (store, c);
  g_autofree char *name = g_strconcat ("/", c->name, NULL);
  GString *lower = g_string_new (NULL);
  gboolean running = c->status == PIER_CONTAINER_RUNNING;
  char *dumped, *out;

  json_object_set_new (o, "Id", json_string (c->id));
  json_object_set_new (o, "Created", time_json (c->created));
  json_object_set_new (o, "Path", json_string (c->argv[0]));
  json_object_set_new (o, "Args", strv_json (c->argv + 1));

  json_object_set_new (state, "Status", json_string (pier_container_status_to_string (c->status)));
  json_object_set_new (state, "Running", json_boolean (running));
  json_object_set_new (state, "Paused", json_false ());
  json_object_set_new (state, "Restarting", json_false ());
  json_object_set_new (state, "OOMKilled", json_false ());
  json_object_set_new (state, "Dead", json_false ());
  json_object_set_new (state, "Pid", json_integer (running ? c->pid : 0));
  json_object_set_new (state, "MonitorPid", json_integer (running ? c->monitor_pid : 0));
  json_object_set_new (state, "ExitCode", json_integer (c->status == PIER_CONTAINER_EXITED ? c->exit_code : 0));
  json_object_set_new (state, "Error", json_string (c->stale_reason ? c->stale_reason : ""));
  json_object_set_new (state, "StartedAt", time_json (c->started_at));
  json_object_set_new (state, "FinishedAt", time_json (running ? 0 : c->finished_at));
  json_object_set_new (o, "State", state);

  json_object_set_new (o, "Image", json_string (c->image_id));
  json_object_set_new (o, "LogPath", json_string (log));
  json_object_set_new (o, "Name", json_string (name));
  json_object_set_new (o, "SeccompProfile", json_string (pier_container_get_seccomp_name (c)));
  {
    g_auto (GStrv) caps = pier_caps_to_names (pier_container_get_caps (c));
    json_object_set_new (o, "EffectiveCaps", strv_json (caps));
  }
  json_object_set_new (o, "RestartCount", json_integer (0));
  json_object_set_new (o, "Driver", json_string ("overlay"));

  for (guint i = 0; i < c->volumes->len; i++)
    {
      PierSandboxVolume *v = c->volumes->pdata[i];
      json_array_append_new (binds, take_string (g_strdup_printf ("%s:%s%s", v->source,
                                                                   v->destination,
                                                                   v->readonly ? ":ro" : "")));
    }
  json_object_set_new (host, "Binds", binds);
  json_object_set_new (host, "NetworkMode", json_string (pier_network_mode_to_string (c->network)));
  json_object_set_new (host, "AutoRemove", json_boolean (c->auto_remove));
  json_object_set_new (host, "Memory", json_integer (c->memory_bytes));
  json_object_set_new (host, "NanoCpus", json_integer ((json_int_t) (c->cpus * 1e9)));
  json_object_set_new (host, "PidsLimit",
                       json_integer ((json_int_t) pier_container_get_pids_limit (c)));
  json_object_set_new (host, "CapAdd", c->cap_add ? strv_json (c->cap_add) : json_null ());
  json_object_set_new (host, "CapDrop", c->cap_drop ? strv_json (c->cap_drop) : json_null ());
  if (c->seccomp_name != NULL)
    json_object_set_new (host, "SecurityOpt", json_pack ("[s+]", "seccomp=", c->seccomp_name));
  else
    json_object_set_new (host, "SecurityOpt", json_null ());
  if (!c->rootless)
    {
      g_autofree char *map = g_strdup_printf ("0:%u:%u", c->uid_base, c->uid_count);
      json_object_set_new (host, "UsernsMode", json_string ("auto"));
      json_object_set_new (host, "IDMappings", json_pack ("{s:[s],s:[s]}", "UidMap", map, "GidMap", map));
    }
  json_object_set_new (o, "HostConfig", host);

  for (guint i = 0; i < lowers->len; i++)
    g_string_append_printf (lower, "%s%s", i ? ":" : "", (char *) lowers->pdata[i]);
  json_object_set_new (graph_data, "LowerDir", json_string (lower->str));
  json_object_set_new (graph_data, "UpperDir", json_string (upper));
  json_object_set_new (graph_data, "WorkDir", json_string (work));
  json_object_set_new (graph, "Name", json_string ("overlay"));
  json_object_set_new (graph, "Data", graph_data);
  json_object_set_new (o, "GraphDriver", graph);

  json_object_set_new (config, "Hostname", json_string (c->hostname));
  json_object_set_new (config, "User", json_string (c->user ? c->user : ""));
  json_object_set_new (config, "Tty", json_boolean (c->tty));
  json_object_set_new (config, "OpenStdin", json_boolean (c->stdin_open));
  json_object_set_new (config, "Env", strv_json (c->env));
  json_object_set_new (config, "Cmd", strv_json (c->argv));
  json_object_set_new (config, "Image", json_string (c->image));
  json_object_set_new (config, "WorkingDir", json_string (c->working_dir));
  if (c->stop_signal)
    json_object_set_new (config, "StopSignal", json_string (c->stop_signal));
  json_object_set_new (o, "Config", config);

  json_object_set_new (net, "IPAddress", json_string (c->ip_address ? c->ip_address : ""));
  json_object_set_new (net, "IPPrefixLen", json_integer (c->ip_address ? 16 : 0));
  json_object_set_new (net, "Gateway", json_string (c->ip_address ? PIER_BRIDGE_GATEWAY : ""));
  if (c->network == PIER_NETWORK_BRIDGE)
    json_object_set_new (networks, PIER_BRIDGE_NAME,
                         json_pack ("{s:s,s:i,s:s}", "IPAddress", c->ip_address ? c->ip_address : "",
                                    "IPPrefixLen", c->ip_address ? 16 : 0, "Gateway",
                                    c->ip_address ? PIER_BRIDGE_GATEWAY : ""));
  json_object_set_new (net, "Networks", networks);
  json_object_set_new (o, "NetworkSettings", net);

  g_string_free (lower, TRUE);
  dumped = json_dumps (o, JSON_INDENT (4) | JSON_PRESERVE_ORDER);
  out = g_strdup (dumped);
  free (dumped);
  json_decref (o);
  return out;
}

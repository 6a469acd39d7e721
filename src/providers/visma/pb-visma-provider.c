/* pb-visma-provider.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbVisma"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "pb-visma-provider.h"
#include "pb-json-guard.h"

/* The Visma.net Payroll connector, written against the Employee API v2
 * (https://api.employeecore.hrm.visma.net/v2/) as Visma's public
 * documentation repository describes it (payroll-no/employee-public-api-docs:
 * README, FAQ, changelog) and Visma's sample code; the notes in
 * shared/api/payroll-apis-notes.md part B say which is which. There is no
 * published OpenAPI document: every shape the notes mark UNCONFIRMED is
 * chosen in the "UNCONFIRMED" block below and nowhere else, and listed in
 * docs/connectors.md with its source. What it maps:
 *
 *   users      -> /employees (GET with embed=(positions), cursor paging),
 *                 POST /employees/withPosition (a new employee needs a
 *                 position), PUT /employees/{id}
 *   positions  -> /employees/{id}/positions (history: one per period)
 *   salary     -> the position's salaryInformation timeline, one entry per
 *                 HR salary (its id in payroll is the entry's activeStart);
 *                 a delete removes the entry (SPEC S2)
 *   absence    -> not supported: the public material shows no endpoint
 *
 * The API's ways, kept in one place each:
 *   - the media type, sent as Accept and as the Content-Type of bodies;
 *   - writes are asynchronous: 202 with a Location job, polled with
 *     backoff until it Succeeded; a Failed job's validationResults are the
 *     error's words (write_async());
 *   - a PUT replaces the whole document: an update reads the document
 *     with its ETag, changes what HR has, and sends it all back with
 *     If-Match; a 412 reads and tries once more;
 *   - values with history are timelines (activeStart/activeEnd): a change
 *     ends the current entry the day before and adds a new one
 *     (timeline_set()).
 *
 * Employee-level dates live on positions: the first and last workday are
 * those of the selected position (SPEC P5: the current one, else the most
 * recent past one, else the next future one). */

struct _PbVismaProvider
{
  PbProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (PbVismaProvider, pb_visma_provider, PB_TYPE_PROVIDER)

/* --- UNCONFIRMED choices (docs/connectors.md lists each) ------------------------- */

/* List answers: v1's documented cursor form {"data", "cursor": {"nextToken"}};
 * the next page repeats the query with `cursor`. */
#define LIST_DATA          "data"
#define LIST_CURSOR        "cursor"
#define LIST_NEXT          "nextToken"
#define QUERY_CURSOR       "cursor"
#define QUERY_PAGE_SIZE    "page-size"
/* The job's status values: "Succeeded" (and "Done" before 2021-06-30) are
 * documented; "Failed" for a refused job is not. */
#define JOB_FAILED         "Failed"
/* The payment method: "cash" is documented, the local account's name is not. */
#define PAYMENT_CASH       "cash"
#define PAYMENT_BANK       "bankAccount"
/* Contact entries: {type, address} and {type, number}; the type's value. */
#define CONTACT_BUSINESS   "business"
/* Error bodies: the job's validationResults [{field, message}] and a message. */
#define ERROR_RESULTS      "validationResults"
#define ERROR_CORRELATION  "correlationId"

/* --- small JSON helpers ------------------------------------------------------------ */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The element @i of @array if it is an object, else NULL (no CRITICAL:
 * an answer's array may hold anything). */
static JsonObject *
object_element (JsonArray *array,
                guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
ensure_array (JsonObject *object,
              const char *name)
{
  JsonArray *array = member_array (object, name);

  if (array == NULL)
    {
      array = json_array_new ();
      json_object_set_array_member (object, name, array);
    }
  return array;
}

static char *
format_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (value >= -0x1p63 && value < 0x1p63 && value == (gint64) value)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value);
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", value));
}

static char *
today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

/* The day before @date (YYYY-MM-DD). */
static char *
day_before (const char *date)
{
  int y = 0, m = 0, d = 0;
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) before = NULL;

  if (date == NULL || sscanf (date, "%d-%d-%d", &y, &m, &d) != 3)
    return NULL;
  day = g_date_time_new_utc (y, m, d, 0, 0, 0);
  if (day == NULL)
    return NULL;
  before = g_date_time_add_days (day, -1);
  return g_date_time_format (before, "%Y-%m-%d");
}

/* A deep copy: json_node_copy() shares the objects inside. */
static JsonNode *
node_copy_deep (JsonNode *node)
{
  JsonNode *result;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *copy = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (copy, name, node_copy_deep (member));
      result = json_node_init_object (json_node_alloc (), copy);
      json_object_unref (copy);
      return result;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *source = json_node_get_array (node);
      JsonArray *copy = json_array_new ();

      for (guint i = 0; i < json_array_get_length (source); i++)
        json_array_add_element (copy, node_copy_deep (json_array_get_element (source, i)));
      result = json_node_init_array (json_node_alloc (), copy);
      json_array_unref (copy);
      return result;
    }
  return json_node_copy (node);
}

static JsonObject *
object_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonNode) copy = node_copy_deep (node);

  return json_object_ref (json_node_get_object (copy));
}

/* --- timelines ----------------------------------------------------------------------- */

/* The entry of @timeline in force on @date: started by then and not ended
 * before; else the one that started last. */
static JsonObject *
timeline_at (JsonArray  *timeline,
             const char *date)
{
  JsonObject *found = NULL;
  JsonObject *latest = NULL;

  for (guint i = 0; timeline != NULL && i < json_array_get_length (timeline); i++)
    {
      JsonObject *entry = object_element (timeline, i);
      const char *start = member_string (entry, "activeStart");
      const char *end = member_string (entry, "activeEnd");

      if (entry == NULL)
        continue;
      if ((start == NULL || strcmp (start, date) <= 0) && (end == NULL || strcmp (end, date) >= 0))
        found = entry;
      if (latest == NULL || g_strcmp0 (start, member_string (latest, "activeStart")) > 0)
        latest = entry;
    }
  return found != NULL ? found : latest;
}

/* A change from @from on: the entry in force ends the day before and
 * @entry (taken) is added from @from, open-ended; an entry that starts on
 * @from itself is replaced (a correction). */
static void
timeline_set (JsonArray  *timeline,
              const char *from,
              JsonObject *entry)
{
  g_autofree char *before = day_before (from);

  for (guint i = 0; i < json_array_get_length (timeline); i++)
    {
      JsonObject *old = object_element (timeline, i);
      const char *start = member_string (old, "activeStart");
      const char *end = member_string (old, "activeEnd");

      if (old == NULL)
        continue;
      if (g_strcmp0 (start, from) == 0)
        {
          json_array_remove_element (timeline, i);
          i--;
        }
      else if ((start == NULL || strcmp (start, from) < 0) && (end == NULL || strcmp (end, from) >= 0))
        json_object_set_string_member (old, "activeEnd", before);
    }
  json_object_set_string_member (entry, "activeStart", from);
  if (!json_object_has_member (entry, "activeEnd"))
    json_object_set_null_member (entry, "activeEnd");
  json_array_add_object_element (timeline, entry);
}

/* Sets a value timeline ({value, activeStart, activeEnd}) to @value from
 * @from on, unless it is already that then. */
static void
timeline_set_value (JsonObject *object,
                    const char *name,
                    JsonNode   *value,
                    const char *from)
{
  JsonArray *timeline = ensure_array (object, name);
  JsonObject *current = timeline_at (timeline, from);
  JsonNode *old = current != NULL ? json_object_get_member (current, "value") : NULL;
  JsonObject *entry;

  if (old != NULL && json_node_equal (old, value))
    {
      json_node_unref (value);
      return;
    }
  entry = json_object_new ();
  json_object_set_member (entry, "value", value);
  timeline_set (timeline, from, entry);
}

/* --- errors -------------------------------------------------------------------------- */

static void
add_results (PbProviderErrorDetails *details,
             JsonArray              *results)
{
  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++)
    {
      JsonObject *result = object_element (results, i);

      if (result != NULL)
        pb_provider_error_details_add_field (details, member_string (result, "field"),
                                             member_string (result, "message") ?: "");
    }
}

static void
visma_decode_error (guint                   status,
                    JsonNode               *body,
                    PbProviderErrorDetails *details,
                    PbProviderError        *code)
{
  JsonObject *object = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;

  pb_http_decode_error_default (status, body, details, code);
  if (object != NULL)
    {
      add_results (details, member_array (object, ERROR_RESULTS));
      if (details->request_id == NULL && member_string (object, ERROR_CORRELATION) != NULL)
        details->request_id = g_strdup (member_string (object, ERROR_CORRELATION));
    }
  /* If-Match named another version: someone changed the document. */
  if (status == 412)
    *code = PB_PROVIDER_ERROR_CONFLICT;
}

static void
visma_setup_http (PbProvider *provider,
                  PbHttp     *http)
{
  pb_http_set_media_type (http, PB_VISMA_MEDIA_TYPE);
  pb_http_set_error_decoder (http, visma_decode_error);
}

/* --- operations: state and steps ---------------------------------------------------- */

typedef void (*ThenFunc) (GTask *task);

typedef struct
{
  PbRecord       *record;
  PbRecord       *employee;
  char           *employee_id;
  char           *remote_id;
  char           *parent_id;
  PbProviderArgs  rules;        /* `omit` and `pay_by_cash` only */
  PbProviderOp    op;

  JsonObject     *doc;          /* the document read (GET) */
  char           *etag;         /* its ETag */
  JsonArray      *items;        /* a list read */
  JsonObject     *employee_doc; /* employee update: the employee read */
  char           *employee_etag;
  char           *artifact_id;  /* what a job made or changed */
  PbRemote       *result;       /* employee update: kept while the position is changed */

  /* a write in flight */
  PbHttpRequest  *request;
  char           *job_path;
  guint           polls;
  guint           poll_source;
  guint           conflicts;
  ThenFunc        restart;      /* on a 412: read again and rebuild */
  ThenFunc        next;
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->record);
  g_clear_object (&op->employee);
  g_free (op->employee_id);
  g_free (op->remote_id);
  g_free (op->parent_id);
  g_clear_pointer (&op->doc, json_object_unref);
  g_free (op->etag);
  g_clear_pointer (&op->items, json_array_unref);
  g_clear_pointer (&op->employee_doc, json_object_unref);
  g_free (op->employee_etag);
  g_free (op->artifact_id);
  g_clear_pointer (&op->result, pb_remote_free);
  g_clear_pointer (&op->request, pb_http_request_unref);
  g_free (op->job_path);
  g_clear_handle_id (&op->poll_source, g_source_remove);
  g_free (op);
}

static Op *
op_new (GTask                *task,
        PbProviderOp          kind,
        const PbProviderArgs *args)
{
  Op *op = g_new0 (Op, 1);

  op->op = kind;
  op->record = args->record != NULL ? pb_record_copy (args->record) : NULL;
  op->employee = args->employee != NULL ? g_object_ref (args->employee) : NULL;
  op->employee_id = g_strdup (args->employee_id);
  op->remote_id = g_strdup (args->remote_id);
  op->parent_id = g_strdup (args->parent_id);
  op->rules.omit = args->omit;
  op->rules.pay_by_cash = args->pay_by_cash;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return op;
}

/* Ends @task with @error (taken) if set. */
static gboolean
return_if_error (GTask  *task,
                 GError *error)
{
  if (error == NULL)
    return FALSE;
  g_task_return_error (task, error);
  g_object_unref (task);
  return TRUE;
}

static GError *
invalid_response (const char *what)
{
  return g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                      _("Visma.net Payroll sent %s without what Paybridge needs to read it. "
                        "Try again later, or report it to Visma"), what);
}

/* GET @path into op->doc and op->etag, then op->next. */
static void
on_got_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  JsonObject *doc = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  const char *etag;

  if (return_if_error (task, error))
    return;
  if (doc == NULL)
    {
      return_if_error (task, invalid_response (_("an empty document")));
      return;
    }
  g_clear_pointer (&op->doc, json_object_unref);
  op->doc = doc;
  etag = pb_http_request_get_response_header (op->request, "ETag");
  g_free (op->etag);
  op->etag = g_strdup (etag);
  op->next (task);
}

static void
get_async (GTask      *task,
           const char *path,
           ThenFunc    then)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->request, pb_http_request_unref);
  op->request = pb_http_request_new ("GET", path);
  op->next = then;
  pb_provider_send_async (self, op->request, g_task_get_cancellable (task), on_got_cb, task);
}

/* A list, every page, into op->items; then op->next. */
static void list_page (GTask *task, const char *cursor);

static void
on_page_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonObject) page = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  JsonArray *data;
  JsonObject *cursor;

  if (return_if_error (task, error))
    return;
  data = member_array (page, LIST_DATA);
  if (data == NULL)
    {
      return_if_error (task, invalid_response (_("a list")));
      return;
    }
  for (guint i = 0; i < json_array_get_length (data); i++)
    json_array_add_element (op->items, json_node_copy (json_array_get_element (data, i)));

  cursor = member_object (page, LIST_CURSOR);
  if (member_string (cursor, LIST_NEXT) != NULL && json_array_get_length (data) > 0)
    list_page (task, member_string (cursor, LIST_NEXT));
  else
    op->next (task);
}

/* The page of @list at @cursor (NULL: the first). */
static PbHttpRequest *
cursor_page (PbProvider    *self,
             PbHttpRequest *list,
             const char    *cursor)
{
  PbHttpRequest *page = pb_http_request_copy (list);
  g_autofree char *size = g_strdup_printf ("%u", PB_PROVIDER_GET_CLASS (self)->page_size);

  pb_http_request_set_query (page, QUERY_PAGE_SIZE, size);
  if (cursor != NULL)
    pb_http_request_set_query (page, QUERY_CURSOR, cursor);
  return page;
}

static void
list_page (GTask      *task,
           const char *cursor)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) page = cursor_page (self, op->request, cursor);

  pb_provider_send_async (self, page, g_task_get_cancellable (task), on_page_cb, task);
}

/* Paging for pb_provider_list_converted_async(): {"data": [...],
 * "cursor": {"nextToken": ...}}; the page after a non-empty one with a
 * next token. */
static JsonArray *
visma_page_values (PbProvider *provider,
                   JsonNode   *page)
{
  return JSON_NODE_HOLDS_OBJECT (page) ? member_array (json_node_get_object (page), LIST_DATA) : NULL;
}

static PbHttpRequest *
visma_next_page (PbProvider    *provider,
                 PbHttpRequest *request,
                 PbHttpRequest *sent,
                 JsonNode      *page,
                 JsonArray     *values)
{
  const char *next;

  if (page == NULL)
    return cursor_page (provider, request, NULL);
  next = member_string (member_object (json_node_get_object (page), LIST_CURSOR), LIST_NEXT);
  if (next == NULL || json_array_get_length (values) == 0)
    return NULL;
  return cursor_page (provider, request, next);
}

static void
list_async (GTask         *task,
            PbHttpRequest *request,
            ThenFunc       then)
{
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->request, pb_http_request_unref);
  op->request = pb_http_request_ref (request);
  g_clear_pointer (&op->items, json_array_unref);
  op->items = json_array_new ();
  op->next = then;
  list_page (task, NULL);
}

/* --- asynchronous writes: the job ---------------------------------------------------- */

#define POLL_FIRST_MS   100
#define POLL_MAX_MS     5000
#define POLL_MAX_TRIES  60

static void poll_job (GTask *task);

/* "Visma.net Payroll refused it: number: ...; salaryPaymentMethod...: ..." */
static GError *
job_failed_error (JsonObject *job)
{
  g_autoptr(PbProviderErrorDetails) details = pb_provider_error_details_new ();
  JsonArray *results = member_array (job, "validationResults");
  g_autoptr(GString) words = g_string_new (NULL);

  details->status = 200;
  details->request_id = g_strdup (member_string (job, "correlationId"));
  add_results (details, results);
  for (guint i = 0; details->field_messages != NULL && i < details->field_messages->len; i++)
    {
      PbFieldMessage *fm = g_ptr_array_index (details->field_messages, i);

      if (words->len > 0)
        g_string_append (words, "; ");
      if (fm->field != NULL)
        g_string_append_printf (words, "%s: ", fm->field);
      g_string_append (words, fm->message);
    }
  /* The field messages are the words; the message only says what has
   * none (the error log puts the message and the field messages side by
   * side, and would say them twice). */
  if (words->len == 0)
    {
      g_string_append (words, _("the job failed without saying why"));
      details->message = g_strdup (words->str);
    }

  return pb_provider_error_new_with_details (PB_PROVIDER_ERROR_VALIDATION, g_steal_pointer (&details),
                                             _("Visma.net Payroll refused it: %s"), words->str);
}

static gboolean
on_poll_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);

  op->poll_source = 0;
  poll_job (task);
  return G_SOURCE_REMOVE;
}

static void
on_job_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonObject) job = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  const char *status;
  guint delay;

  if (return_if_error (task, error))
    return;
  status = member_string (job, "status");
  if (status == NULL)
    {
      return_if_error (task, invalid_response (_("a job")));
      return;
    }

  if (g_str_equal (status, "Succeeded") || g_str_equal (status, "Done"))
    {
      g_free (op->artifact_id);
      op->artifact_id = g_strdup (member_string (job, "artifactId"));
      g_debug ("Job done after %u polls", op->polls);
      op->next (task);
      return;
    }
  if (g_str_equal (status, JOB_FAILED))
    {
      return_if_error (task, job_failed_error (job));
      return;
    }

  if (++op->polls >= POLL_MAX_TRIES)
    {
      return_if_error (task, g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_TIMEOUT,
                                          _("Visma.net Payroll has not run the change yet (its job is still "
                                            "“%s”); it may still be made. Check in Visma.net Payroll before "
                                            "retrying"), status));
      return;
    }
  /* Backoff: 100 ms, doubling, at most 5 s. */
  delay = MIN (POLL_FIRST_MS << MIN (op->polls - 1, 10), POLL_MAX_MS);
  op->poll_source = g_timeout_add (delay, on_poll_timeout_cb, task);
}

static void
poll_job (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", op->job_path);

  pb_provider_send_async (self, request, g_task_get_cancellable (task), on_job_cb, task);
}

/* The job's path under the API's base: Location may be absolute, or a
 * path that repeats the base's own ("/v2/employees/jobs/1"). */
static char *
job_path_of (PbProvider *self,
             const char *location)
{
  g_autoptr(GUri) base = g_uri_parse (pb_http_get_base_url (pb_provider_get_http (self)), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base_path = g_strdup (base != NULL ? g_uri_get_path (base) : "");
  const char *path = location;
  gsize length = strlen (base_path);

  while (length > 0 && base_path[length - 1] == '/')
    base_path[--length] = '\0';

  if (g_str_has_prefix (location, "http://") || g_str_has_prefix (location, "https://"))
    {
      uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
      path = uri != NULL ? g_uri_get_path (uri) : NULL;
    }
  if (path == NULL || *path != '/')
    return NULL;
  if (length > 0 && g_str_has_prefix (path, base_path) && path[length] == '/')
    path += length;
  return g_strdup (path);
}


static void
on_written_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  PbProvider *self = PB_PROVIDER (source);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonObject) accepted = pb_provider_send_finish (self, result, &error);
  const char *location;

  /* Someone changed the document since it was read: read it again and
   * rebuild the change, once. */
  if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_CONFLICT) && op->restart != NULL &&
      op->conflicts++ == 0)
    {
      g_debug ("412 on %s: reading it again", pb_http_request_get_path (op->request));
      g_clear_error (&error);
      op->restart (task);
      return;
    }
  if (return_if_error (task, error))
    return;

  location = pb_http_request_get_response_header (op->request, "Location");
  g_free (op->job_path);
  op->job_path = location != NULL ? job_path_of (self, location) : NULL;
  if (op->job_path == NULL)
    {
      return_if_error (task, invalid_response (_("an accepted change without the “Location” of its job")));
      return;
    }
  op->polls = 0;
  poll_job (task);
}

/* POST or PUT @body (taken); 202 + Location; the job is polled until it has
 * run; then @then with op->artifact_id. A PUT carries op->etag as If-Match. */
static void
write_async (GTask      *task,
             const char *method,
             const char *path,
             JsonObject *body,
             ThenFunc    then)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

  json_object_unref (body);
  g_clear_pointer (&op->request, pb_http_request_unref);
  op->request = pb_http_request_new (method, path);
  pb_http_request_set_body (op->request, node);
  if (g_str_equal (method, "PUT") && op->etag != NULL)
    pb_http_request_set_header (op->request, "If-Match", op->etag);
  op->next = then;
  pb_provider_send_async (self, op->request, g_task_get_cancellable (task), on_written_cb, task);
}

/* --- mapping: employees ------------------------------------------------------------- */

static const struct
{
  const char *hr;
  const char *visma;
} end_reasons[] = {
  /* UNCONFIRMED: Visma's end reason values are not published; the HR
   * register's own names are sent. */
  { "resigned", "resigned" },
  { "dismissed", "dismissed" },
  { "contract_expired", "contractExpired" },
  { "internal_change", "internalChange" },
  { "wrongly_reported", "wronglyReported" },
  { "system_change", "systemChange" },
};

static const char *
end_reason_to_visma (const char *hr)
{
  for (guint i = 0; hr != NULL && i < G_N_ELEMENTS (end_reasons); i++)
    if (g_str_equal (end_reasons[i].hr, hr))
      return end_reasons[i].visma;
  return NULL;
}

static const char *
end_reason_from_visma (const char *visma)
{
  for (guint i = 0; visma != NULL && i < G_N_ELEMENTS (end_reasons); i++)
    if (g_str_equal (end_reasons[i].visma, visma))
      return end_reasons[i].hr;
  return NULL;
}

/* HR contract type <-> employmentForm (documented: "fast"; the others
 * follow the A-melding names, UNCONFIRMED). */
static const char *
form_of_contract (const char *contract)
{
  if (g_strcmp0 (contract, "temporary") == 0)
    return "midlertidig";
  if (g_strcmp0 (contract, "hourly") == 0)
    return "midlertidigAnsattSomTilkallingsvikar";
  if (g_strcmp0 (contract, "freelance") == 0)
    return "frilanser";
  return "fast";
}

static const char *
contract_of_form (const char *form)
{
  if (g_strcmp0 (form, "midlertidig") == 0 || g_strcmp0 (form, "midlertidigAnsattUtleid") == 0)
    return "temporary";
  if (g_strcmp0 (form, "midlertidigAnsattSomTilkallingsvikar") == 0)
    return "hourly";
  if (g_strcmp0 (form, "frilanser") == 0)
    return "freelance";
  return "permanent";
}

static const char *
value_string_at (JsonObject *object,
                 const char *timeline,
                 const char *date)
{
  return member_string (timeline_at (member_array (object, timeline), date), "value");
}

static PbRecord *
position_record (JsonObject *json)
{
  PbRecord *record = pb_record_new (PB_ENTITY_POSITION);
  g_autofree char *now = today ();
  const char *start = member_string (json, "activeStart");
  const char *end = member_string (json, "activeEnd");
  const char *at = start != NULL && strcmp (start, now) > 0 ? start : (end != NULL && strcmp (end, now) < 0 ? end : now);
  JsonObject *factor = timeline_at (member_array (json, "partTimeFactors"), at);
  JsonNode *value = factor != NULL ? json_object_get_member (factor, "value") : NULL;
  JsonArray *reasons = member_array (json, "positionEndReason");

  pb_record_set (record, PB_POSITION_START_DATE, start);
  pb_record_set (record, PB_POSITION_END_DATE, end);
  if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
    {
      g_autofree char *text = json_node_get_value_type (value) == G_TYPE_STRING
        ? g_strdup (json_node_get_string (value)) : format_number (json_node_get_double (value));

      pb_record_set (record, PB_POSITION_PERCENTAGE, text);
    }
  if (json != NULL && json_object_has_member (json, "employmentForm"))
    pb_record_set (record, PB_POSITION_CONTRACT_TYPE, contract_of_form (value_string_at (json, "employmentForm", at)));
  if (reasons != NULL && json_array_get_length (reasons) > 0)
    pb_record_set (record, PB_POSITION_END_REASON,
                   end_reason_from_visma (JSON_NODE_HOLDS_VALUE (json_array_get_element (reasons, 0))
                                          ? json_node_get_string (json_array_get_element (reasons, 0)) : NULL));
  return record;
}

/* SPEC P5: the selected position of an employee's positions (JSON). */
static JsonObject *
select_position (JsonArray *positions)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *now = today ();
  PbRecord *selected;

  for (guint i = 0; positions != NULL && i < json_array_get_length (positions); i++)
    g_ptr_array_add (records, position_record (object_element (positions, i)));
  selected = pb_sync_select_position (records, now, PB_SELECT_CURRENT_PAST_FUTURE);
  for (guint i = 0; selected != NULL && i < records->len; i++)
    if (g_ptr_array_index (records, i) == selected)
      return object_element (positions, i);
  return NULL;
}

static JsonObject *
contact_of (JsonObject *json,
            const char *list)
{
  JsonArray *array = member_array (json, list);
  JsonObject *first = NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *entry = object_element (array, i);

      if (g_strcmp0 (member_string (entry, "type"), CONTACT_BUSINESS) == 0)
        return entry;
      if (first == NULL)
        first = entry;
    }
  return first;
}

static PbRecord *
employee_record (JsonObject *json,
                 JsonArray  *positions)
{
  PbRecord *record = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autofree char *now = today ();
  JsonObject *name = timeline_at (member_array (json, "personNames"), now);
  JsonObject *address = member_object (json, "address");
  JsonObject *payment = member_object (json, "salaryPaymentMethod");
  JsonObject *selected = select_position (positions);

  pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, member_string (name, "firstName"));
  pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, member_string (name, "lastName"));
  pb_record_set (record, PB_EMPLOYEE_EMAIL, member_string (contact_of (json, "emails"), "address"));
  pb_record_set (record, PB_EMPLOYEE_PHONE, member_string (contact_of (json, "phones"), "number"));
  pb_record_set (record, PB_EMPLOYEE_EMPLOYEE_NUMBER, member_string (json, "number"));
  pb_record_set (record, PB_EMPLOYEE_DATE_OF_BIRTH, member_string (json, "dateOfBirth"));
  pb_record_set (record, PB_EMPLOYEE_ADDRESS_LINE1, member_string (address, "streetName"));
  pb_record_set (record, PB_EMPLOYEE_POSTAL_CODE, member_string (address, "zipCode"));
  pb_record_set (record, PB_EMPLOYEE_CITY, member_string (address, "cityName"));
  pb_record_set (record, PB_EMPLOYEE_COUNTRY, member_string (address, "countryCode"));
  if (g_strcmp0 (member_string (payment, "paymentType"), PAYMENT_BANK) == 0 &&
      !json_object_get_boolean_member_with_default (payment, "internationalBankAccount", FALSE))
    pb_record_set (record, PB_EMPLOYEE_BANK_ACCOUNT, member_string (payment, "localBankAccount"));
  pb_record_set (record, PB_EMPLOYEE_FIRST_WORKDAY, member_string (selected, "activeStart"));
  pb_record_set (record, PB_EMPLOYEE_LAST_WORKDAY, member_string (selected, "activeEnd"));
  return record;
}

/* The employee “Kari Nordmann” (kari@example.com), from what Visma sent. */
static char *
describe_employee (JsonObject *json)
{
  g_autoptr(PbRecord) record = employee_record (json, NULL);
  const char *first = pb_record_get (record, PB_EMPLOYEE_GIVEN_NAME);
  const char *last = pb_record_get (record, PB_EMPLOYEE_FAMILY_NAME);
  const char *email = pb_record_get (record, PB_EMPLOYEE_EMAIL);
  g_autofree char *name = g_strstrip (g_strdup_printf ("%s %s", first ?: "", last ?: ""));

  if (email != NULL)
    return g_strdup_printf (_("the employee “%s” (%s)"), name, email);
  return g_strdup_printf (_("the employee “%s” (number %s)"), name, member_string (json, "number") ?: "?");
}

static PbRemote *
remote_of (JsonObject  *json,
           const char  *etag,
           const char  *what,
           GError     **error)
{
  g_autofree char *id = pb_provider_dup_json_id (json);

  if (id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("Visma.net Payroll sent %s without its “id”: it cannot be linked or changed. "
                     "Read it again later, or report it to Visma"), what);
      return NULL;
    }
  return pb_remote_new (id, etag != NULL ? g_ascii_strtoll (etag[0] == '"' ? etag + 1 : etag, NULL, 10) : 0);
}

static PbRemote *
employee_remote (JsonObject  *json,
                 JsonArray   *positions,
                 const char  *etag,
                 GError     **error)
{
  g_autofree char *what = describe_employee (json);
  PbRemote *remote = remote_of (json, etag, what, error);

  if (remote != NULL)
    remote->record = employee_record (json, positions);
  return remote;
}

/* Sets the business entry of a contact list (@key: "address", "number") to
 * @value; NULL removes it. */
static void
set_contact (JsonObject *doc,
             const char *list,
             const char *key,
             const char *value)
{
  JsonArray *array = ensure_array (doc, list);
  JsonObject *entry;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      entry = object_element (array, i);
      if (g_strcmp0 (member_string (entry, "type"), CONTACT_BUSINESS) == 0)
        {
          if (value == NULL)
            json_array_remove_element (array, i);
          else
            json_object_set_string_member (entry, key, value);
          return;
        }
    }
  if (value == NULL)
    return;
  entry = json_object_new ();
  json_object_set_string_member (entry, "type", CONTACT_BUSINESS);
  json_object_set_string_member (entry, key, value);
  json_array_add_object_element (array, entry);
}

static void
set_or_remove (JsonObject *object,
               const char *name,
               const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_remove_member (object, name);
}

/* The employee document to send: @current (read, or NULL on create) with
 * HR's values; what the rules leave out is left as payroll has it. */
static JsonObject *
employee_doc (JsonObject           *current,
              PbRecord             *record,
              const PbProviderArgs *rules)
{
  JsonObject *doc = current != NULL ? object_copy (current) : json_object_new ();
  JsonObject *address = member_object (doc, "address");
  g_autofree char *now = today ();
  const char *given = pb_record_get (record, PB_EMPLOYEE_GIVEN_NAME);
  const char *family = pb_record_get (record, PB_EMPLOYEE_FAMILY_NAME);
  const char *first = pb_record_get (record, PB_EMPLOYEE_FIRST_WORKDAY);
  static const struct { guint field; const char *member; } address_members[] = {
    { PB_EMPLOYEE_ADDRESS_LINE1, "streetName" },
    { PB_EMPLOYEE_POSTAL_CODE, "zipCode" },
    { PB_EMPLOYEE_CITY, "cityName" },
    { PB_EMPLOYEE_COUNTRY, "countryCode" },
  };

  /* Read-only members go back as they came; the API ignores them. */
  json_object_remove_member (doc, "positions");

  if (pb_provider_args_sends (rules, PB_EMPLOYEE_EMPLOYEE_NUMBER) &&
      pb_record_get (record, PB_EMPLOYEE_EMPLOYEE_NUMBER) != NULL)
    json_object_set_string_member (doc, "number", pb_record_get (record, PB_EMPLOYEE_EMPLOYEE_NUMBER));

  /* Names are a timeline: a new name from today (from the first workday
   * for a new employee). */
  if (given != NULL && family != NULL)
    {
      JsonArray *names = ensure_array (doc, "personNames");
      JsonObject *name = timeline_at (names, now);

      if (name == NULL || g_strcmp0 (member_string (name, "firstName"), given) != 0 ||
          g_strcmp0 (member_string (name, "lastName"), family) != 0)
        {
          JsonObject *entry = json_object_new ();

          json_object_set_string_member (entry, "firstName", given);
          json_object_set_string_member (entry, "lastName", family);
          timeline_set (names, current == NULL && first != NULL && strcmp (first, now) < 0 ? first : now, entry);
        }
    }

  if (pb_provider_args_sends (rules, PB_EMPLOYEE_EMAIL))
    set_contact (doc, "emails", "address", pb_record_get (record, PB_EMPLOYEE_EMAIL));
  if (pb_provider_args_sends (rules, PB_EMPLOYEE_PHONE))
    set_contact (doc, "phones", "number", pb_record_get (record, PB_EMPLOYEE_PHONE));
  if (pb_provider_args_sends (rules, PB_EMPLOYEE_DATE_OF_BIRTH) &&
      pb_record_get (record, PB_EMPLOYEE_DATE_OF_BIRTH) != NULL)
    json_object_set_string_member (doc, "dateOfBirth", pb_record_get (record, PB_EMPLOYEE_DATE_OF_BIRTH));

  /* SPEC V4: the address has no second line (and the rules never hand
   * one over). */
  if (address == NULL)
    {
      address = json_object_new ();
      json_object_set_object_member (doc, "address", address);
    }
  for (guint i = 0; i < G_N_ELEMENTS (address_members); i++)
    if (pb_provider_args_sends (rules, address_members[i].field))
      set_or_remove (address, address_members[i].member, pb_record_get (record, address_members[i].field));

  /* SPEC V3: a Norwegian national account, or cash. */
  if (pb_provider_args_sends (rules, PB_EMPLOYEE_BANK_ACCOUNT) || rules->pay_by_cash || current == NULL)
    {
      JsonObject *payment = json_object_new ();
      const char *account = pb_record_get (record, PB_EMPLOYEE_BANK_ACCOUNT);

      if (rules->pay_by_cash || account == NULL)
        json_object_set_string_member (payment, "paymentType", PAYMENT_CASH);
      else
        {
          json_object_set_string_member (payment, "paymentType", PAYMENT_BANK);
          json_object_set_boolean_member (payment, "internationalBankAccount", FALSE);
          json_object_set_string_member (payment, "localBankAccount", account);
        }
      json_object_set_object_member (doc, "salaryPaymentMethod", payment);
    }

  return doc;
}

/* A new position's document from an HR position (or, for a new employee,
 * from the first and last workday). */
static JsonObject *
position_doc (const char *start,
              const char *end,
              const char *end_reason,
              const char *contract,
              const char *percentage)
{
  JsonObject *doc = json_object_new ();
  JsonObject *form = json_object_new ();
  JsonObject *factor = json_object_new ();
  JsonArray *forms = json_array_new ();
  JsonArray *factors = json_array_new ();
  const char *reason = end != NULL ? end_reason_to_visma (end_reason) : NULL;

  json_object_set_string_member (doc, "typeOfPosition", "Ordinary");
  json_object_set_string_member (doc, "activeStart", start);
  if (end != NULL)
    json_object_set_string_member (doc, "activeEnd", end);
  else
    json_object_set_null_member (doc, "activeEnd");
  json_object_set_string_member (form, "value", form_of_contract (contract));
  json_object_set_string_member (form, "activeStart", start);
  json_object_set_null_member (form, "activeEnd");
  json_array_add_object_element (forms, form);
  json_object_set_array_member (doc, "employmentForm", forms);
  json_object_set_double_member (factor, "value", percentage != NULL ? g_ascii_strtod (percentage, NULL) : 100.0);
  json_object_set_string_member (factor, "activeStart", start);
  json_object_set_null_member (factor, "activeEnd");
  json_array_add_object_element (factors, factor);
  json_object_set_array_member (doc, "partTimeFactors", factors);
  if (reason != NULL)
    {
      JsonArray *reasons = json_array_new ();

      json_array_add_string_element (reasons, reason);
      json_object_set_array_member (doc, "positionEndReason", reasons);
    }
  return doc;
}

/* --- verify credentials ------------------------------------------------------------- */

static void
on_verified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) page = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  PbRemoteCompany *company;

  if (error == NULL && member_array (page, LIST_DATA) == NULL)
    error = invalid_response (_("a list"));
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The Employee API names no company; Visma.net Payroll (Norway) pays in
   * NOK. */
  company = g_new0 (PbRemoteCompany, 1);
  company->name = g_strdup ("Visma.net Payroll");
  company->currency = g_strdup ("NOK");
  g_task_return_pointer (task, company, (GDestroyNotify) pb_remote_company_free);
}

static void
visma_verify_credentials (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/employees");

  pb_http_request_add_query (request, QUERY_PAGE_SIZE, "1");
  pb_provider_send_async (provider, request, g_task_get_cancellable (task), on_verified_cb, task);
}

/* --- employees ----------------------------------------------------------------------- */

/* One page of the employees, in a worker thread (PbListConvertFunc): only
 * the page is read. */
static GPtrArray *
employees_page_from_json (JsonArray  *values,
                          gpointer    user_data,
                          GError    **error)
{
  guint n = json_array_get_length (values);
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_full (n, (GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (values, i);
      JsonObject *json;
      PbRemote *remote;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_propagate_error (error, invalid_response (_("an employee")));
          return NULL;
        }
      json = json_node_get_object (element);
      remote = employee_remote (json, member_array (json, "positions"), NULL, error);
      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

/* One employee without an id fails the listing, naming them (SPEC R1). */
static void
on_employees_listed_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) remotes = pb_provider_list_converted_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  /* Find: the API has no email filter; matching is trimmed and
   * case-insensitive (SPEC U1). */
  if (op->record != NULL)
    {
      for (guint i = 0; i < remotes->len; i++)
        {
          PbRemote *remote = g_ptr_array_index (remotes, i);
          g_autofree char *found = g_strdup (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL));

          if (found != NULL &&
              g_ascii_strcasecmp (g_strstrip (found), pb_record_get (op->record, PB_EMPLOYEE_EMAIL)) == 0)
            {
              g_task_return_pointer (task, g_ptr_array_steal_index (remotes, i), (GDestroyNotify) pb_remote_free);
              g_object_unref (task);
              return;
            }
        }
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&remotes), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

/* Each page is converted in a worker thread as it comes (issue 14). */
static void
list_employees (GTask *task)
{
  PbProvider *provider = g_task_get_source_object (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/employees");

  pb_http_request_add_query (request, "embed", "(positions)");
  pb_provider_list_converted_async (provider, request, employees_page_from_json, NULL, NULL,
                                    (GDestroyNotify) pb_remote_free, g_task_get_cancellable (task),
                                    on_employees_listed_cb, task);
}

static void
visma_list_employees (PbProvider           *provider,
                      const PbProviderArgs *args,
                      GTask                *task)
{
  static const PbProviderArgs all = { NULL };

  op_new (task, PB_OP_LIST_EMPLOYEES, &all);
  list_employees (task);
}

static void
visma_find_employee (PbProvider           *provider,
                     const PbProviderArgs *args,
                     GTask                *task)
{
  op_new (task, PB_OP_FIND_EMPLOYEE, args);
  list_employees (task);
}

/* Read back: the employee, then its positions. */
static void
return_employee (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  PbRemote *remote = employee_remote (op->employee_doc, op->items, op->employee_etag, &error);

  if (return_if_error (task, error))
    return;
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

static void
read_back_positions (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions", op->employee_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", path);

  g_clear_pointer (&op->employee_doc, json_object_unref);
  op->employee_doc = json_object_ref (op->doc);
  g_free (op->employee_etag);
  op->employee_etag = g_strdup (op->etag);
  list_async (task, request, return_employee);
}

static void
read_back_employee (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  if (op->employee_id == NULL)
    {
      op->employee_id = g_strdup (op->artifact_id);
      if (op->employee_id == NULL)
        {
          return_if_error (task, invalid_response (_("a finished job without its “artifactId”")));
          return;
        }
    }
  path = g_strdup_printf ("/employees/%s", op->employee_id);
  get_async (task, path, read_back_positions);
}

static void
visma_create_employee (PbProvider           *provider,
                       const PbProviderArgs *args,
                       GTask                *task)
{
  Op *op = op_new (task, PB_OP_CREATE_EMPLOYEE, args);
  JsonObject *body = employee_doc (NULL, op->record, &op->rules);
  JsonArray *positions = json_array_new ();
  g_autofree char *now = today ();
  const char *first = pb_record_get (op->record, PB_EMPLOYEE_FIRST_WORKDAY);

  /* POST /employees/withPosition: a new employee comes with a position,
   * from the first workday (today without one) to the last. */
  json_array_add_object_element (positions,
                                 position_doc (first != NULL ? first : now,
                                               pb_record_get (op->record, PB_EMPLOYEE_LAST_WORKDAY), NULL, NULL, NULL));
  json_object_set_array_member (body, "positions", positions);
  write_async (task, "POST", "/employees/withPosition", body, read_back_employee);
}

/* Update: read the employee and its positions; PUT the employee back
 * changed; then the selected position's dates (SPEC P5, V5). */
static void update_employee_read (GTask *task);

static void
update_position_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s", op->employee_id);

  get_async (task, path, read_back_positions);
}

/* The selected position, read with its ETag: its dates become the first
 * and last workday; with the last workday gone, its end reason goes too
 * (SPEC V5). */
static void
update_position_put (GTask *task)
{
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (g_task_get_source_object (task));
  Op *op = g_task_get_task_data (task);
  JsonObject *doc = object_copy (op->doc);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);
  const char *first = pb_record_get (op->record, PB_EMPLOYEE_FIRST_WORKDAY);
  const char *last = pb_record_get (op->record, PB_EMPLOYEE_LAST_WORKDAY);

  if (first != NULL)
    json_object_set_string_member (doc, "activeStart", first);
  if (last != NULL)
    json_object_set_string_member (doc, "activeEnd", last);
  else
    json_object_set_null_member (doc, "activeEnd");
  if (pb_provider_class_clears_end_reason (klass, op->record, op->result->record))
    json_object_remove_member (doc, "positionEndReason");
  json_object_remove_member (doc, "id");
  op->restart = NULL;
  write_async (task, "PUT", path, doc, update_position_done);
}

static void
update_employee_written (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  JsonObject *selected = select_position (op->items);
  const char *first = pb_record_get (op->record, PB_EMPLOYEE_FIRST_WORKDAY);
  const char *last = pb_record_get (op->record, PB_EMPLOYEE_LAST_WORKDAY);
  g_autofree char *id = pb_provider_dup_json_id (selected);
  g_autofree char *path = NULL;

  /* No position to carry the dates, or they are as HR has them. */
  if (id == NULL ||
      ((first == NULL || g_strcmp0 (first, member_string (selected, "activeStart")) == 0) &&
       g_strcmp0 (last, member_string (selected, "activeEnd")) == 0))
    {
      update_position_done (task);
      return;
    }
  g_free (op->remote_id);
  op->remote_id = g_steal_pointer (&id);
  path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);
  get_async (task, path, update_position_put);
}

static void
update_employee_put (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s", op->employee_id);
  JsonObject *body;
  GError *error = NULL;

  g_clear_pointer (&op->result, pb_remote_free);
  op->result = employee_remote (op->employee_doc, op->items, op->employee_etag, &error);
  if (return_if_error (task, error))
    return;

  body = employee_doc (op->employee_doc, op->record, &op->rules);
  json_object_remove_member (body, "id");
  g_free (op->etag);
  op->etag = g_strdup (op->employee_etag);
  op->restart = update_employee_read;
  write_async (task, "PUT", path, body, update_employee_written);
}

static void
update_employee_positions (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions", op->employee_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", path);

  g_clear_pointer (&op->employee_doc, json_object_unref);
  op->employee_doc = json_object_ref (op->doc);
  g_free (op->employee_etag);
  op->employee_etag = g_strdup (op->etag);
  list_async (task, request, update_employee_put);
}

static void
update_employee_read (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s", op->employee_id);

  get_async (task, path, update_employee_positions);
}

static void
visma_update_employee (PbProvider           *provider,
                       const PbProviderArgs *args,
                       GTask                *task)
{
  Op *op = op_new (task, PB_OP_UPDATE_EMPLOYEE, args);

  g_free (op->employee_id);
  op->employee_id = g_strdup (args->remote_id);
  update_employee_read (task);
}

/* --- positions (history: one per period) ---------------------------------------------- */

static PbRemote *
position_remote (JsonObject  *json,
                 const char  *etag,
                 GError     **error)
{
  g_autofree char *what = g_strdup_printf (_("the position from %s"), member_string (json, "activeStart") ?: "?");
  PbRemote *remote = remote_of (json, etag, what, error);

  if (remote != NULL)
    remote->record = position_record (json);
  return remote;
}

/* The positions of a list's items (the "data" of every page). */
static GPtrArray *
positions_from_json (JsonArray  *items,
                     GError    **error)
{
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *json = object_element (items, i);
      PbRemote *remote;

      if (json == NULL)
        {
          g_propagate_error (error, invalid_response (_("a position")));
          return NULL;
        }
      remote = position_remote (json, NULL, error);
      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

static void
return_positions (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *remotes = positions_from_json (op->items, &error);

  if (return_if_error (task, error))
    return;
  g_task_return_pointer (task, remotes, (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
visma_list_employments (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions", args->employee_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", path);

  op_new (task, PB_OP_LIST_EMPLOYMENTS, args);
  list_async (task, request, return_positions);
}

static void
return_position (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  PbRemote *remote = position_remote (op->doc, op->etag, &error);

  if (return_if_error (task, error))
    return;
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

static void
read_back_position (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  const char *id = op->artifact_id != NULL ? op->artifact_id : op->remote_id;
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, id);

  get_async (task, path, return_position);
}

static JsonObject *
new_position_doc (Op *op)
{
  return position_doc (pb_record_get (op->record, PB_POSITION_START_DATE),
                       pb_record_get (op->record, PB_POSITION_END_DATE),
                       pb_record_get (op->record, PB_POSITION_END_REASON),
                       pb_record_get (op->record, PB_POSITION_CONTRACT_TYPE),
                       pb_record_get (op->record, PB_POSITION_PERCENTAGE));
}

static void create_employment_read (GTask *task);

/* The position made with the employee, read with its ETag: it becomes the
 * HR position (PUT, If-Match; a 412 reads it again). */
static void
create_employment_adopt (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);

  op->restart = create_employment_read;
  write_async (task, "PUT", path, new_position_doc (op), read_back_position);
}

static void
create_employment_read (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);

  get_async (task, path, create_employment_adopt);
}

/* Whether @position is the one visma_create_employee() made for an
 * employee HR gave no first workday: from the day of creation, open, with
 * the default values and nothing since (no salary, no end reason). */
static gboolean
is_made_with_employee (JsonObject *position)
{
  JsonArray *salaries = member_array (position, "salaryInformation");
  JsonArray *reasons = member_array (position, "positionEndReason");

  return member_string (position, "activeStart") != NULL && member_string (position, "activeEnd") == NULL &&
         (salaries == NULL || json_array_get_length (salaries) == 0) &&
         (reasons == NULL || json_array_get_length (reasons) == 0);
}

/* The employee's positions are in: the one made with the employee, when
 * the HR position overlaps it and it is the employee's only one, is
 * adopted (else Visma would refuse the new one as overlapping a position
 * HR never had, SPEC P2); otherwise a new position is POSTed. */
static void
create_employment_listed (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions", op->employee_id);
  JsonObject *only = json_array_get_length (op->items) == 1 ? object_element (op->items, 0) : NULL;
  const char *end = pb_record_get (op->record, PB_POSITION_END_DATE);

  if (only != NULL && is_made_with_employee (only) &&
      (end == NULL || strcmp (end, member_string (only, "activeStart")) >= 0))
    {
      g_autofree char *id = pb_provider_dup_json_id (only);

      if (id != NULL)
        {
          g_debug ("Position from %s: the one made with the employee becomes HR's from %s",
                   member_string (only, "activeStart"), pb_record_get (op->record, PB_POSITION_START_DATE));
          g_free (op->remote_id);
          op->remote_id = g_steal_pointer (&id);
          create_employment_read (task);
          return;
        }
    }
  write_async (task, "POST", path, new_position_doc (op), read_back_position);
}

static void
visma_create_employment (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  Op *op = op_new (task, PB_OP_CREATE_EMPLOYMENT, args);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions", op->employee_id);
  g_autoptr(PbHttpRequest) request = NULL;

  /* With a first workday, the position made with the employee starts on
   * it, and the engine matches an HR position from that day (P2). */
  if (op->employee == NULL || pb_record_get (op->employee, PB_EMPLOYEE_FIRST_WORKDAY) != NULL)
    {
      write_async (task, "POST", path, new_position_doc (op), read_back_position);
      return;
    }
  request = pb_http_request_new ("GET", path);
  list_async (task, request, create_employment_listed);
}

/* From when a change of the position's values holds: today, or its start
 * if that is later (a future position), and never after its end. */
static char *
change_date (JsonObject *position)
{
  g_autofree char *now = today ();
  const char *start = member_string (position, "activeStart");
  const char *end = member_string (position, "activeEnd");

  if (start != NULL && strcmp (start, now) > 0)
    return g_strdup (start);
  if (end != NULL && strcmp (end, now) < 0)
    return g_strdup (end);
  return g_steal_pointer (&now);
}

static void update_employment_read (GTask *task);

static void
update_employment_put (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  JsonObject *doc = object_copy (op->doc);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);
  const char *end = pb_record_get (op->record, PB_POSITION_END_DATE);
  const char *reason = end != NULL ? end_reason_to_visma (pb_record_get (op->record, PB_POSITION_END_REASON)) : NULL;
  const char *percentage = pb_record_get (op->record, PB_POSITION_PERCENTAGE);
  g_autofree char *from = NULL;

  json_object_remove_member (doc, "id");
  if (end != NULL)
    json_object_set_string_member (doc, "activeEnd", end);
  else
    json_object_set_null_member (doc, "activeEnd");
  /* An end reason only with an end (SPEC V5). */
  if (reason != NULL)
    {
      JsonArray *reasons = json_array_new ();

      json_array_add_string_element (reasons, reason);
      json_object_set_array_member (doc, "positionEndReason", reasons);
    }
  else
    json_object_remove_member (doc, "positionEndReason");

  /* Timelines: a change ends the current entry and adds one. */
  from = change_date (doc);
  timeline_set_value (doc, "partTimeFactors",
                      json_node_init_double (json_node_alloc (), percentage != NULL ? g_ascii_strtod (percentage, NULL)
                                                                                    : 100.0),
                      from);
  timeline_set_value (doc, "employmentForm",
                      json_node_init_string (json_node_alloc (),
                                             form_of_contract (pb_record_get (op->record, PB_POSITION_CONTRACT_TYPE))),
                      from);

  op->restart = update_employment_read;
  write_async (task, "PUT", path, doc, read_back_position);
}

static void
update_employment_read (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->remote_id);

  get_async (task, path, update_employment_put);
}

static void
visma_update_employment (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  op_new (task, PB_OP_UPDATE_EMPLOYMENT, args);
  update_employment_read (task);
}

/* --- salary: the position's salaryInformation timeline --------------------------------- */

static const char *
amount_member (const char *unit)
{
  if (g_strcmp0 (unit, "hourly") == 0)
    return "hourlySalary";
  if (g_strcmp0 (unit, "yearly") == 0)
    return "yearlySalary";
  return "monthlySalary";
}

/* A salary is an entry of its position's timeline, known by its start:
 * its remote id is "POSITION-ID/START", unique in the connection (the
 * store links one record to one remote id: two employees' salaries from
 * the same day must not share one, SPEC R3). A link made before is the
 * start alone: salary_start() reads both. */
static PbRemote *
salary_remote (const char *position_id,
               JsonObject *entry)
{
  const char *unit = member_string (entry, "contractSalaryType");
  const char *start = member_string (entry, "activeStart");
  g_autofree char *id = NULL;
  PbRemote *remote;

  if (start == NULL)
    return NULL;
  id = position_id != NULL ? g_strconcat (position_id, "/", start, NULL) : g_strdup (start);
  remote = pb_remote_new (id, 0);
  remote->record = pb_record_new (PB_ENTITY_SALARY);
  pb_record_set (remote->record, PB_SALARY_START_DATE, start);
  pb_record_set (remote->record, PB_SALARY_END_DATE, member_string (entry, "activeEnd"));
  pb_record_set (remote->record, PB_SALARY_PERIOD_UNIT, unit != NULL ? unit : "monthly");
  pb_record_set (remote->record, PB_SALARY_AMOUNT, member_string (entry, amount_member (unit)));
  pb_record_set (remote->record, PB_SALARY_CURRENCY, "NOK");
  return remote;
}

/* The start of the salary whose remote id is @remote_id (salary_remote()). */
static const char *
salary_start (const char *remote_id)
{
  const char *slash = remote_id != NULL ? strrchr (remote_id, '/') : NULL;

  return slash != NULL ? slash + 1 : remote_id;
}

/* The salaries of a position: its salaryInformation timeline. */
static GPtrArray *
salaries_of (JsonObject *position)
{
  JsonArray *timeline = member_array (position, "salaryInformation");
  GPtrArray *remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  g_autofree char *position_id = pb_provider_dup_json_id (position);

  for (guint i = 0; timeline != NULL && i < json_array_get_length (timeline); i++)
    {
      PbRemote *remote = salary_remote (position_id, object_element (timeline, i));

      if (remote != NULL)
        g_ptr_array_add (remotes, remote);
    }
  return remotes;
}

static void
return_salaries (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_task_return_pointer (task, salaries_of (op->doc), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
return_salary (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  JsonArray *timeline = member_array (op->doc, "salaryInformation");
  const char *start = pb_record_get (op->record, PB_SALARY_START_DATE);

  for (guint i = 0; timeline != NULL && i < json_array_get_length (timeline); i++)
    {
      JsonObject *entry = object_element (timeline, i);

      if (g_strcmp0 (member_string (entry, "activeStart"), start) == 0)
        {
          g_task_return_pointer (task, salary_remote (op->parent_id, entry), (GDestroyNotify) pb_remote_free);
          g_object_unref (task);
          return;
        }
    }
  return_if_error (task, invalid_response (_("a position without the salary just written")));
}

static void
read_back_salary (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->parent_id);

  if (op->op == PB_OP_DELETE_SALARY)
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  get_async (task, path, return_salary);
}

static void salary_read (GTask *task);

/* Create, update or delete one entry of the timeline, and PUT it back. */
static void
salary_put (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  JsonObject *doc = object_copy (op->doc);
  JsonArray *timeline = ensure_array (doc, "salaryInformation");
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->parent_id);
  const char *old_start = op->op == PB_OP_CREATE_SALARY ? NULL : salary_start (op->remote_id);
  const char *removed_end = NULL;
  gboolean removed_open = FALSE;
  g_autofree char *removed_before = NULL;

  json_object_remove_member (doc, "id");

  /* Take out the entry being replaced or deleted. */
  for (guint i = 0; old_start != NULL && i < json_array_get_length (timeline); i++)
    {
      JsonObject *entry = object_element (timeline, i);

      if (g_strcmp0 (member_string (entry, "activeStart"), old_start) == 0)
        {
          removed_end = member_string (entry, "activeEnd");
          removed_open = removed_end == NULL;
          removed_before = day_before (old_start);
          /* The entry before it covers its time again. */
          for (guint j = 0; j < json_array_get_length (timeline); j++)
            {
              JsonObject *previous = object_element (timeline, j);

              if (j != i && g_strcmp0 (member_string (previous, "activeEnd"), removed_before) == 0)
                {
                  if (removed_open)
                    json_object_set_null_member (previous, "activeEnd");
                  else
                    json_object_set_string_member (previous, "activeEnd", removed_end);
                }
            }
          json_array_remove_element (timeline, i);
          break;
        }
    }

  if (op->op != PB_OP_DELETE_SALARY)
    {
      const char *start = pb_record_get (op->record, PB_SALARY_START_DATE);
      const char *end = pb_record_get (op->record, PB_SALARY_END_DATE);
      const char *unit = pb_record_get (op->record, PB_SALARY_PERIOD_UNIT);
      JsonObject *entry = json_object_new ();
      const char *next_start = NULL;

      json_object_set_string_member (entry, "salaryType", "Period");
      json_object_set_string_member (entry, "contractSalaryType", unit != NULL ? unit : "monthly");
      json_object_set_string_member (entry, amount_member (unit), pb_record_get (op->record, PB_SALARY_AMOUNT));
      /* An open salary runs until the next entry starts. */
      for (guint i = 0; i < json_array_get_length (timeline); i++)
        {
          const char *s = member_string (object_element (timeline, i), "activeStart");

          if (s != NULL && strcmp (s, start) > 0 && (next_start == NULL || strcmp (s, next_start) < 0))
            next_start = s;
        }
      if (end != NULL)
        json_object_set_string_member (entry, "activeEnd", end);
      else if (next_start != NULL)
        {
          g_autofree char *until = day_before (next_start);

          json_object_set_string_member (entry, "activeEnd", until);
        }
      timeline_set (timeline, start, entry);
    }

  op->restart = salary_read;
  write_async (task, "PUT", path, doc, read_back_salary);
}

static void
salary_read (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employees/%s/positions/%s", op->employee_id, op->parent_id);

  get_async (task, path, op->op == PB_OP_LIST_SALARIES ? return_salaries : salary_put);
}

static void
salary_op (PbProviderOp          kind,
           const PbProviderArgs *args,
           GTask                *task)
{
  op_new (task, kind, args);
  salary_read (task);
}

static void
visma_list_salaries (PbProvider           *provider,
                     const PbProviderArgs *args,
                     GTask                *task)
{
  salary_op (PB_OP_LIST_SALARIES, args, task);
}

static void
visma_create_salary (PbProvider           *provider,
                     const PbProviderArgs *args,
                     GTask                *task)
{
  salary_op (PB_OP_CREATE_SALARY, args, task);
}

static void
visma_update_salary (PbProvider           *provider,
                     const PbProviderArgs *args,
                     GTask                *task)
{
  salary_op (PB_OP_UPDATE_SALARY, args, task);
}

static void
visma_delete_salary (PbProvider           *provider,
                     const PbProviderArgs *args,
                     GTask                *task)
{
  salary_op (PB_OP_DELETE_SALARY, args, task);
}

/* --- the class: what Visma.net Payroll is ------------------------------------------------ */

static const PbFieldRef required_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_POSITION, PB_POSITION_START_DATE },
  { PB_ENTITY_SALARY, PB_SALARY_AMOUNT },
  { PB_N_ENTITIES, 0 },
};

/* SPEC V2. Visma's "Employment ID" is the employee's number in payroll, the
 * HR register's employee number: the article calls it "Employment ID"
 * (12 characters at most, required to create, never unset), and the
 * Employee API's employee has one identifier of that kind, `number` (a
 * string, e.g. "99-1", in Visma's sample code and API changelog). We
 * found no field named "Employment ID" nor its 12-character limit in
 * Visma's published material (UNCONFIRMED there): the limit and the
 * create rule are the article's, and SPEC V2 keeps them for what the user
 * sees. Note that v2 of the API would auto-assign `number` if left out;
 * the rule refuses instead, as the article says.
 *
 * SPEC V3: only a Norwegian national account number is sent, so the
 * international account fields are never sent (the article: "Use
 * International bank account for other countries", set up in Visma).
 *
 * SPEC V4: the second address line is not sent (Visma's address has
 * streetName only). */
static const PbFieldRule field_rules[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER,
    PB_FIELD_RULE_REQUIRED_TO_CREATE | PB_FIELD_RULE_NEVER_UNSET, 12, "Employment ID" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2, PB_FIELD_RULE_NOT_SENT, 0, "second address line" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_IBAN, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BIC, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_NATIONAL_ID, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_N_ENTITIES, 0, 0, 0, NULL },
};

/* What user sync compares and may take from payroll (SPEC U3): the
 * article's supported fields. First and last workday go both ways (SPEC V5):
 * they are the selected position's dates (SPEC P5). */
static const PbFieldRef readable_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_PHONE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FIRST_WORKDAY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_LAST_WORKDAY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BANK_ACCOUNT },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE1 },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_POSTAL_CODE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_CITY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_COUNTRY },
  { PB_N_ENTITIES, 0 },
};

/* Refusals the sandbox shows and Visma's jobs are likely to give (their
 * words UNCONFIRMED), with what to do. */
static const PbRefusal refusals[] = {
  { "number", "another employee", NULL,
    N_("Another employee in Visma.net Payroll has this Employment ID. Give this person another employee "
       "number in the HR register, or link them to the existing one with Sync users.") },
  { "salaryPaymentMethod.localBankAccount", "bank account", NULL,
    N_("Visma.net Payroll takes only Norwegian national account numbers (11 digits). Correct the bank account "
       "in the HR register; for an account abroad, set up an international account in Visma.net Payroll.") },
  { "positionEndReason", "end reason", NULL,
    N_("Visma.net Payroll keeps an end reason only on a position that has ended. Set the last workday in the "
       "HR register, or clear the end reason in Visma.net Payroll.") },
  { NULL, NULL, NULL, NULL },
};

static void
pb_visma_provider_class_init (PbVismaProviderClass *klass)
{
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);
  static const PbHttpLimits limits = { 4, 10, 5, 4, 30000, 500, 30000 };
  /* VN-DEMO's Employee API scopes; offline_access for a refresh token
   * (OpenID Connect; UNCONFIRMED for Visma Connect). */
  static const char * const scopes[] = {
    "openid", "offline_access", "visma_net_employee:employees:read", "visma_net_employee:employees:write", NULL
  };

  provider_class->id = "visma";
  provider_class->display_name = "Visma.net Payroll";
  provider_class->icon_name = "x-office-address-book-symbolic";
  provider_class->summary = N_("Users, positions and salary. Connects with a Tenant ID and a Visma sign-in.");
  provider_class->auth_kind = PB_AUTH_OAUTH2;
  /* SPEC table: absence "yes", but the public material shows no absence
   * endpoint (notes B.2): not offered. */
  provider_class->data_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY;
  provider_class->position_model = PB_POSITIONS_HISTORY;
  provider_class->position_select = PB_SELECT_CURRENT_PAST_FUTURE;    /* SPEC P5 */
  /* The published endpoints have no DELETE for positions. */
  provider_class->can_delete_positions = FALSE;
  provider_class->salary_delete = PB_SALARY_DELETE_REMOVES;           /* SPEC S2 */
  provider_class->records_can_lock = FALSE;
  provider_class->required_fields = required_fields;
  provider_class->field_rules = field_rules;
  provider_class->refusals = refusals;
  provider_class->readable_fields = readable_fields;
  provider_class->bank_account_national_country = "NO";               /* SPEC V3 */
  provider_class->clears_end_reason_with_last_workday = TRUE;         /* SPEC V5 */
  provider_class->default_base_url = "https://api.employeecore.hrm.visma.net/v2/";
  provider_class->oauth2_auth_url = "https://connect.visma.com/connect/authorize";
  provider_class->oauth2_token_url = "https://connect.visma.com/connect/token";
  /* UNCONFIRMED: Paybridge's client id at the Visma Developer Portal. */
  provider_class->oauth2_client_id = "paybridge-desktop";
  provider_class->oauth2_scopes = scopes;
  provider_class->oauth2_tenant_param = "tenant_id";                  /* SPEC V1 */
  provider_class->http_limits = limits;
  provider_class->page_size = 100;

  provider_class->setup_http = visma_setup_http;
  provider_class->page_values = visma_page_values;
  provider_class->next_page = visma_next_page;

  provider_class->ops[PB_OP_VERIFY_CREDENTIALS] = visma_verify_credentials;
  provider_class->ops[PB_OP_LIST_EMPLOYEES] = visma_list_employees;
  provider_class->ops[PB_OP_FIND_EMPLOYEE] = visma_find_employee;
  provider_class->ops[PB_OP_CREATE_EMPLOYEE] = visma_create_employee;
  provider_class->ops[PB_OP_UPDATE_EMPLOYEE] = visma_update_employee;
  provider_class->ops[PB_OP_LIST_EMPLOYMENTS] = visma_list_employments;
  provider_class->ops[PB_OP_CREATE_EMPLOYMENT] = visma_create_employment;
  provider_class->ops[PB_OP_UPDATE_EMPLOYMENT] = visma_update_employment;
  provider_class->ops[PB_OP_LIST_SALARIES] = visma_list_salaries;
  provider_class->ops[PB_OP_CREATE_SALARY] = visma_create_salary;
  provider_class->ops[PB_OP_UPDATE_SALARY] = visma_update_salary;
  provider_class->ops[PB_OP_DELETE_SALARY] = visma_delete_salary;
}

/* --- reading an answer whole (tests and tests/fuzz/) ------------------------------- */

static gboolean
answer_is_error (JsonObject *object)
{
  return member_array (object, ERROR_RESULTS) != NULL;
}

/* A list page's "data" as employees or positions; a salary is read from
 * its position. */
static GPtrArray *
answer_read_list (PbProvider  *provider,
                  PbEntity     entity,
                  JsonArray   *values,
                  GError     **error)
{
  if (entity == PB_ENTITY_EMPLOYEE)
    return employees_page_from_json (values, NULL, error);
  if (entity == PB_ENTITY_POSITION)
    return positions_from_json (values, error);
  return NULL;
}

static GPtrArray *
answer_read_object (PbProvider  *provider,
                    PbEntity     entity,
                    JsonObject  *object,
                    GError     **error)
{
  if (entity == PB_ENTITY_SALARY)
    return salaries_of (object);
  if (entity == PB_ENTITY_EMPLOYEE)
    return pb_remotes_take_one (employee_remote (object, member_array (object, "positions"), NULL, error));
  return pb_remotes_take_one (position_remote (object, NULL, error));
}

/**
 * pb_visma_provider_read_answer:
 * @entity: %PB_ENTITY_EMPLOYEE, %PB_ENTITY_POSITION or %PB_ENTITY_SALARY
 *
 * Reads the body of a Visma.net Payroll answer as the connector reads one
 * (pb_provider_read_answer()): an error body (one with validationResults)
 * through the connector's error decoder; else a list page's "data"
 * through the employees' page converter or the positions' reader, or the
 * one document through the readers of an employee (its embedded
 * positions), a position or a position's salary timeline. For tests and
 * the fuzz target tests/fuzz/fuzz-visma-answer.c.
 *
 * Returns: (transfer full) (element-type PbRemote): the records
 */
GPtrArray *
pb_visma_provider_read_answer (PbVismaProvider  *self,
                               PbEntity          entity,
                               const char       *data,
                               gsize             length,
                               GError          **error)
{
  static const PbAnswerReaders readers = {
    .is_error = answer_is_error,
    .decode_error = visma_decode_error,
    .read_list = answer_read_list,
    .read_object = answer_read_object,
  };

  g_return_val_if_fail (PB_IS_VISMA_PROVIDER (self), NULL);
  g_return_val_if_fail (entity == PB_ENTITY_EMPLOYEE || entity == PB_ENTITY_POSITION ||
                        entity == PB_ENTITY_SALARY, NULL);

  return pb_provider_read_answer (PB_PROVIDER (self), &readers, entity, data, length, error);
}

static void
pb_visma_provider_init (PbVismaProvider *self)
{
}

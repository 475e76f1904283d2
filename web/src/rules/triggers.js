// What an automation rule's trigger means for its form: the trigger menu's groups, which triggers
// a model can use (a trigger needs the field it watches), and which of the form's fields each
// trigger shows.

export const TRIGGER_GROUPS = [
  { label: "Values Updated", triggers: [
    ["on_stage_set", "Stage is set to"],
    ["on_user_set", "User is set"],
    ["on_tag_set", "Tag is added"],
    ["on_state_set", "State is set to"],
    ["on_priority_set", "Priority is set to"],
    ["on_archive", "On archived"],
    ["on_unarchive", "On unarchived"],
  ] },
  { label: "Email Events", mail: true, triggers: [
    ["on_message_received", "On incoming message"],
    ["on_message_sent", "On outgoing message"],
  ] },
  { label: "Timing Conditions", triggers: [
    ["on_time", "Based on date field"],
    ["on_time_created", "After creation"],
    ["on_time_updated", "After last update"],
  ] },
  { label: "Custom", triggers: [
    ["on_create", "On create"],
    ["on_create_or_write", "On create and edit"],
    ["on_unlink", "On deletion"],
    ["on_change", "On UI change"],
  ] },
  { label: "External", triggers: [["on_webhook", "On webhook"]] },
  { label: "Deprecated (do not use)", deprecated: true, triggers: [["on_write", "On update"]] },
];

export const TRIGGER_LABELS = Object.fromEntries(TRIGGER_GROUPS.flatMap((g) => g.triggers));

export const TIME_TRIGGERS = new Set(["on_time", "on_time_created", "on_time_updated"]);
const VALUE_TRIGGERS = new Set(["on_stage_set", "on_user_set", "on_tag_set", "on_state_set",
  "on_priority_set", "on_archive", "on_unarchive"]);
const MAIL_TRIGGERS = new Set(["on_message_received", "on_message_sent"]);

// The field a model's "X is set" trigger watches: the name itself, or Studio's x_studio_ form.
export function watchedField(fields, trigger) {
  const find = (names, test) => names.map((n) => [n, fields[n]]).find(([, f]) => f && test(f));
  switch (trigger) {
    case "on_stage_set":
      return find(["stage_id", "x_studio_stage_id"], (f) => f.type === "many2one");
    case "on_tag_set":
      return find(["tag_ids", "x_studio_tag_ids"], (f) => f.type === "many2many");
    case "on_state_set":
      return find(["state", "x_studio_state"], (f) => f.type === "selection");
    case "on_priority_set":
      return find(["priority", "x_studio_priority"], (f) => f.type === "selection");
    case "on_user_set":
      return find(["user_id", "user_ids", "x_studio_user_id", "x_studio_user_ids"],
                  (f) => (f.type === "many2one" || f.type === "many2many") && f.relation === "res.users");
    case "on_archive":
    case "on_unarchive":
      return find(["active", "x_active"], (f) => f.type === "boolean");
    case "on_time_created":
      return find(["create_date"], () => true);
    case "on_time_updated":
      return find(["write_date"], () => true);
    default:
      return null;
  }
}

export function isMailThread(fields) {
  return !!(fields.message_ids || fields.message_follower_ids);
}

// The trigger menu for a model: groups with the triggers it can use. A deprecated trigger is
// offered only to a rule that already has it.
export function triggerGroups(fields, current) {
  const groups = [];
  for (const group of TRIGGER_GROUPS) {
    if (group.mail && !isMailThread(fields)) continue;
    const triggers = group.triggers.filter(([key]) => {
      if (group.deprecated) return key === current;
      const needsField = VALUE_TRIGGERS.has(key) || key === "on_time_created" || key === "on_time_updated";
      return !needsField || watchedField(fields, key);
    });
    if (triggers.length) groups.push({ label: group.label, triggers });
  }
  return groups;
}

// Which condition fields a trigger shows: Before Update Domain (developer mode only) and Apply on
// (in developer mode, and outside it).
export function conditionFields(trigger, devMode) {
  const valueLike = VALUE_TRIGGERS.has(trigger) || MAIL_TRIGGERS.has(trigger) || trigger === "on_write";
  const pre = devMode && (valueLike || trigger === "on_create_or_write");
  let post;
  if (trigger === "on_webhook" || !trigger) post = false;
  else if (valueLike) post = devMode;
  else post = true; // on_create, on_create_or_write, on_unlink, on_change, time triggers
  return { pre, post };
}

export const isTimeTrigger = (t) => TIME_TRIGGERS.has(t);
export const isValueTrigger = (t) => VALUE_TRIGGERS.has(t);

// A rule's trigger in words, for lists: "Stage is set to Won", "2 Days after Deadline".
export function describeTrigger(rule, unitLabel) {
  const label = TRIGGER_LABELS[rule.trigger] || rule.trigger;
  if (isTimeTrigger(rule.trigger)) {
    const amount = rule.trg_date_range || 0;
    const unit = unitLabel(rule.trg_date_range_type) || "";
    const mode = rule.trg_date_range_mode === "before" ? "before" : "after";
    if (rule.trigger === "on_time") {
      const date = rule.trg_date_id ? rule.trg_date_id[1] : "a date";
      return `${amount} ${unit} ${mode} ${date}`;
    }
    return `${amount} ${unit} ${rule.trigger === "on_time_created" ? "after creation" : "after last update"}`;
  }
  return label;
}

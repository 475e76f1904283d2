// The kinds of action a rule can run (the `state` of ir.actions.server), in the order of the
// action form's Type choice, with what each needs and how a card describes it.

export const ACTION_TYPES = {
  object_write: { label: "Update Record", icon: "✎" },
  object_create: { label: "Create Record", icon: "✚" },
  object_copy: { label: "Duplicate Record", icon: "❏" },
  next_activity: { label: "Create Activity", icon: "◷", mail: true },
  mail_post: { label: "Send Email", icon: "✉", mail: true },
  sms: { label: "Send SMS", icon: "✆", mail: true },
  whatsapp: { label: "Send WhatsApp", icon: "✆", mail: true },
  followers: { label: "Add Followers", icon: "⊕", mail: true },
  remove_followers: { label: "Remove Followers", icon: "⊖", mail: true },
  code: { label: "Execute Code", icon: "</>" },
  webhook: { label: "Send Webhook Notification", icon: "➤" },
  multi: { label: "Multi Actions", icon: "☰" },
};

// The types a rule's trigger allows: On UI change runs only code; deleted records receive no
// mail, activity or follower. Mail types need a model with a chatter.
export function allowedTypes(trigger, mailThread) {
  return Object.entries(ACTION_TYPES).filter(([key, type]) => {
    if (trigger === "on_change") return key === "code";
    if (type.mail && (!mailThread || trigger === "on_unlink")) return false;
    return true;
  }).map(([key]) => key);
}

const M2M_WORDS = { add: "by adding", remove: "by removing", set: "by setting it to", clear: "by clearing it" };

// A card's one-line description of what the action does.
export function actionSummary(a) {
  switch (a.state) {
    case "object_write":
      if (!a.update_path) return "";
      if (a.evaluation_type === "equation") return `${a.update_path} as ${a.value || "…"}`;
      if (a.evaluation_type === "sequence") return `${a.update_path} from a sequence`;
      if (a.evaluation_type === "ai") return `${a.update_path} with AI`;
      if (a.update_m2m_operation && a.update_m2m_operation !== "add" && !a.value)
        return `${a.update_path} ${M2M_WORDS[a.update_m2m_operation] || ""}`;
      return a.value ? `${a.update_path} to ${a.value}` : a.update_path;
    case "webhook":
      return a.webhook_url || "no URL yet";
    case "mail_post":
      return a.template_id ? a.template_id[1] : "";
    case "sms":
      return a.sms_template_id ? a.sms_template_id[1] : "";
    case "whatsapp":
      return a.wa_template_id ? a.wa_template_id[1] : "";
    case "multi":
      return `${(a.child_ids || []).length} action(s)`;
    default:
      return "";
  }
}

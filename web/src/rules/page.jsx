// Automation Rules: the list at #/rules, a rule's form at #/rules/<id> (#/rules/new for a new
// one). Only administrators manage rules (the server refuses everyone else's calls); others get
// a message, never a form.
import { RulesList } from "./list.jsx";
import { RuleForm } from "./form.jsx";
import "./rules.css";

export function RulesPage({ where, session }) {
  if (!session.is_system) {
    return <div class="alert error" role="alert">Only administrators manage automation rules.</div>;
  }
  if (where.parts.length) return (
    <RuleForm key={where.parts[0]} id={where.parts[0]} session={session} addAction={where.query.add === "1"} />
  );
  return <RulesList where={where} />;
}

#include "dispatcher/message/message_sql.h"

namespace kehrbote {

namespace {
std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

template <typename Enum>
std::string ListOf(std::initializer_list<Enum> values) {
  std::string out = "(";
  for (Enum v : values) out += (out.size() > 1 ? ", " : "") + SqlLiteral(v);
  return out + ")";
}
}  // namespace

std::string SqlLiteral(MessageState state) { return Quoted(ToString(state)); }
std::string SqlLiteral(MessagePurpose purpose) { return Quoted(ToString(purpose)); }
std::string SqlLiteral(ContactChannel channel) { return Quoted(ToString(channel)); }

std::string SqlList(std::initializer_list<MessageState> states) { return ListOf(states); }
std::string SqlList(std::initializer_list<MessagePurpose> purposes) { return ListOf(purposes); }

std::string SqlMoveTo(std::initializer_list<MessageState> from, MessageState to, MessageActor actor,
                      std::string_view context) {
  for (MessageState f : from) RequireTransition(f, to, actor, context);
  return SqlLiteral(to);
}

}  // namespace kehrbote

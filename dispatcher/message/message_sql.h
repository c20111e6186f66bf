// SQL literals of message states, purposes and channels, for statement texts.
//
// Why literals and not bound parameters: the partial indexes of `messages`
// (messages_due WHERE state = 'planned', messages_held, messages_accepted,
// messages_retrying, ...) are used only when the query names the state
// literally; SQLite cannot match `state = ?` against them. So statements keep
// the same text as before, built from the enums' names in one place.
// Pure functions; safe from any thread.
#pragma once

#include <initializer_list>
#include <string>

#include "dispatcher/message/message_purpose.h"
#include "dispatcher/message/message_state.h"
#include "dispatcher/message/message_transition.h"
#include "shared/export/export_model.h"

namespace kehrbote {

// "'planned'", "'reminder'", "'sms'".
std::string SqlLiteral(MessageState state);
std::string SqlLiteral(MessagePurpose purpose);
std::string SqlLiteral(ContactChannel channel);

// "('planned', 'held')": an IN list.
std::string SqlList(std::initializer_list<MessageState> states);
std::string SqlList(std::initializer_list<MessagePurpose> purposes);

// The literal of `to` for "SET state = ...", after checking that `actor` may
// move a message there from each of `from` (the states the statement's WHERE
// admits). Throws MessageTransitionError naming `context` otherwise.
std::string SqlMoveTo(std::initializer_list<MessageState> from, MessageState to, MessageActor actor,
                      std::string_view context);

}  // namespace kehrbote

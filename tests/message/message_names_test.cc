// Stored names of states, purposes and channels: exactly the strings stores
// written before these types held, read back strictly.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dispatcher/message/message_channel_name.h"
#include "dispatcher/message/message_purpose.h"
#include "dispatcher/message/message_state.h"
#include "dispatcher/message/message_value_error.h"

namespace kehrbote {
namespace {

TEST(MessageNamesTest, StatesAreTheStoredStringsAndRoundTrip) {
  const std::set<std::string> stored = {"planned",   "sending", "accepted", "held",
                                        "delivered", "failed",  "expired",  "cancelled"};
  std::set<std::string> seen;
  for (MessageState s : kAllMessageStates) {
    seen.insert(std::string(ToString(s)));
    EXPECT_EQ(ParseMessageState(ToString(s)), s) << ToString(s);
  }
  EXPECT_EQ(seen, stored);
}

TEST(MessageNamesTest, PurposesAreTheStoredStringsAndRoundTrip) {
  const std::set<std::string> stored = {"reminder", "change",       "cancellation", "heartbeat",
                                        "alarm",    "confirmation", "forward",      "manual"};
  std::set<std::string> seen;
  for (MessagePurpose p : kAllMessagePurposes) {
    seen.insert(std::string(ToString(p)));
    EXPECT_EQ(ParseMessagePurpose(ToString(p)), p) << ToString(p);
  }
  EXPECT_EQ(seen, stored);
}

TEST(MessageNamesTest, ChannelsRoundTrip) {
  for (ContactChannel c : {ContactChannel::kSms, ContactChannel::kEmail})
    EXPECT_EQ(ParseMessageChannel(ToString(c)), c);
}

// The error names the column and the value; nothing is read as a default.
template <typename Fn>
void ExpectRejected(Fn parse, const std::string& value, const std::string& column) {
  try {
    parse(value);
    FAIL() << "accepted '" << value << "'";
  } catch (const MessageValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown " + column + " '" + value + "'"),
              std::string::npos)
        << e.what();
  }
}

TEST(MessageNamesTest, GarbageIsAnErrorNamingTheValue) {
  for (std::string bad : {"", "Planned", "sent", "planned ", "x'; DROP TABLE messages; --"}) {
    ExpectRejected([](const std::string& v) { ParseMessageState(v); }, bad, "message state");
    ExpectRejected([](const std::string& v) { ParseMessagePurpose(v); }, bad, "message purpose");
    ExpectRejected([](const std::string& v) { ParseMessageChannel(v); }, bad, "message channel");
  }
}

TEST(MessageNamesTest, StateErrorListsTheKnownNames) {
  try {
    ParseMessageState("sent");
    FAIL();
  } catch (const MessageValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown message state 'sent' (known: planned, sending, accepted, held, delivered, "
              "failed, expired, cancelled)");
  }
}

}  // namespace
}  // namespace kehrbote

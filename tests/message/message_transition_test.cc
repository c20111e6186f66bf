// Walks every (from, to, actor) combination of the transition table against an
// expected list written out here, independently of the table in the code.
#include "dispatcher/message/message_transition.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dispatcher/message/message_sql.h"

namespace kehrbote {
namespace {

// "from>to by actor", as the header comment and docs/delivery.md list them.
const std::set<std::string> kAllowed = {
    "planned>planned by planner",    "planned>cancelled by planner", "held>cancelled by planner",
    "planned>sending by outbox",     "planned>expired by outbox",    "planned>cancelled by outbox",
    "sending>accepted by outbox",    "sending>failed by outbox",     "failed>failed by outbox",
    "sending>planned by outbox",     "sending>expired by outbox",    "sending>held by outbox",
    "sending>cancelled by outbox",   "held>planned by outbox",       "held>expired by outbox",
    "sending>delivered by receipt",  "sending>failed by receipt",    "sending>expired by receipt",
    "accepted>delivered by receipt", "accepted>failed by receipt",   "accepted>expired by receipt",
    "planned>accepted by receipt",   "planned>delivered by receipt", "planned>failed by receipt",
    "planned>expired by receipt",    "sending>accepted by recovery", "sending>expired by recovery",
    "sending>planned by recovery",
};

std::string Key(MessageState from, MessageState to, MessageActor actor) {
  return std::string(ToString(from)) + ">" + std::string(ToString(to)) + " by " +
         std::string(ToString(actor));
}

TEST(MessageTransitionTest, EveryCombinationIsAllowedOrForbiddenAsListed) {
  int allowed = 0, forbidden = 0;
  for (MessageState from : kAllMessageStates) {
    for (MessageState to : kAllMessageStates) {
      for (MessageActor actor : kAllMessageActors) {
        const std::string key = Key(from, to, actor);
        std::optional<std::string> why = CheckTransition(from, to, actor);
        if (kAllowed.count(key)) {
          EXPECT_FALSE(why.has_value()) << key << ": " << why.value_or("");
          ++allowed;
        } else {
          ASSERT_TRUE(why.has_value()) << key << " is allowed but not expected";
          // The error names the actor and both states.
          EXPECT_NE(
              why->find(std::string(ToString(actor)) + " may not move a message from '" +
                        std::string(ToString(from)) + "' to '" + std::string(ToString(to)) + "'"),
              std::string::npos)
              << *why;
          EXPECT_THROW(RequireTransition(from, to, actor, "test"), MessageTransitionError) << key;
          ++forbidden;
        }
      }
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(kAllowed.size()));  // no typo in the expected list
  EXPECT_EQ(allowed + forbidden, 8 * 8 * 4);
}

TEST(MessageTransitionTest, FinalStatesHaveNoWayOutButTheFailedReasonUpdate) {
  for (MessageState from : kAllMessageStates) {
    if (!IsFinal(from)) continue;
    for (MessageState to : kAllMessageStates) {
      for (MessageActor actor : kAllMessageActors) {
        const bool reason_update = from == MessageState::kFailed && to == MessageState::kFailed &&
                                   actor == MessageActor::kOutbox;
        if (!reason_update) {
          EXPECT_TRUE(CheckTransition(from, to, actor).has_value()) << Key(from, to, actor);
        }
      }
    }
  }
}

TEST(MessageTransitionTest, ForbiddenMoveSaysWhoMayMakeIt) {
  std::optional<std::string> why =
      CheckTransition(MessageState::kPlanned, MessageState::kSending, MessageActor::kReceipt);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "receipt may not move a message from 'planned' to 'sending' (allowed for: outbox)");
  why = CheckTransition(MessageState::kDelivered, MessageState::kPlanned, MessageActor::kPlanner);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("(allowed for: nobody)"), std::string::npos) << *why;
  why = CheckTransition(MessageState::kSending, MessageState::kAccepted, MessageActor::kPlanner);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("(allowed for: outbox, recovery)"), std::string::npos) << *why;
}

TEST(MessageTransitionTest, RequireTransitionPutsTheContextFirst) {
  try {
    RequireTransition(MessageState::kCancelled, MessageState::kPlanned, MessageActor::kOutbox,
                      "message 42");
    FAIL() << "no error";
  } catch (const MessageTransitionError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("message 42: outbox may not move", 0), 0u) << e.what();
  }
}

TEST(MessageSqlTest, MoveToChecksEveryFromState) {
  EXPECT_EQ(SqlMoveTo({MessageState::kPlanned, MessageState::kHeld}, MessageState::kCancelled,
                      MessageActor::kPlanner, "cancel"),
            "'cancelled'");
  EXPECT_THROW(SqlMoveTo({MessageState::kPlanned, MessageState::kSending}, MessageState::kCancelled,
                         MessageActor::kPlanner, "cancel"),
               MessageTransitionError);
}

TEST(MessageSqlTest, LiteralsAndListsAreTheStoredNames) {
  EXPECT_EQ(SqlLiteral(MessageState::kHeld), "'held'");
  EXPECT_EQ(SqlLiteral(MessagePurpose::kHeartbeat), "'heartbeat'");
  EXPECT_EQ(SqlLiteral(ContactChannel::kEmail), "'email'");
  EXPECT_EQ(SqlList({MessageState::kPlanned, MessageState::kSending, MessageState::kHeld}),
            "('planned', 'sending', 'held')");
  EXPECT_EQ(SqlList({MessagePurpose::kHeartbeat}), "('heartbeat')");
}

}  // namespace
}  // namespace kehrbote

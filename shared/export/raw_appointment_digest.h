// RawAppointmentDigest: a digest of one appointment's bytes exactly as they stand
// in an export file, so that an appointment whose bytes are those of one already
// read, checked and stored is recognised without being decoded or checked again
// (ingest's fast path for the 95% of a daily export that did not change).
//
// What it covers: the bytes from the appointment's '{' to its '}' (whitespace and
// member order included: the agent writes an unchanged appointment byte for byte
// alike), the strictness the reader applied (a file read leniently may carry
// members a strict read refuses), and kRawDigestEpoch.
//
// kRawDigestEpoch must change whenever the reader's checks of an appointment or
// its decoding into Appointment (and so the stored data and hashes) change: the
// digests a store holds from an older program then match nothing, and every
// appointment is decoded and checked once again.
//
// SHA-256 cut to 128 bits, 32 lower-case hex digits: collisions are out of reach
// for the office software that writes the bytes. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

#include "shared/export/export_schema.h"

namespace kehrbote {

inline constexpr std::string_view kRawDigestEpoch = "kehrbote-raw-appointment-1";

std::string RawAppointmentDigest(std::string_view raw, SchemaStrictness strictness);

}  // namespace kehrbote

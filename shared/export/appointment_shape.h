// AppointmentShape: a quick check that one export appointment certainly matches
// the appointment part of the v1 schema, written out by hand for the common case.
//
// Why: valijson's generic walk cost a quarter of the dispatcher's CPU when it
// pulled 1,000 exports (and of a 100,000-appointment ingest). valijson stays the
// authority on the schema: ExportSchema asks it about every appointment this
// check does not accept, and it words every error.
//
// Contract:
//   - CertainlyValidAppointment(item) == true implies that valijson accepts
//     `item` against #/definitions/appointment, strictly (and so also leniently).
//     false says nothing: the item may be valid or not.
//   - It checks bytes where the schema counts characters, so it gives up on a
//     text whose byte length leaves the character count in doubt.
//   - It is on only while the schema's appointment definitions (descriptions
//     aside) are exactly those it was written for; with any other schema it
//     always answers false. AppointmentShapeMatchesSchema() says which; a test
//     requires true, so a schema change must come with a change here.
// tests/export/appointment_shape_test.cc compares it with valijson over
// generated and mutated appointments.
#pragma once

#include <nlohmann/json.hpp>

namespace kehrbote {

bool CertainlyValidAppointment(const nlohmann::json& item);

// True if the compiled-in schema is the one CertainlyValidAppointment knows.
bool AppointmentShapeMatchesSchema();

}  // namespace kehrbote

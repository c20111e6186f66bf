#include "dispatcher/mail/smtp_channel.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/MultipartWriter.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/QuotedPrintableEncoder.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Random.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <mutex>
#include <sstream>

namespace kehrbote {
namespace {

std::string QuotedPrintable(const std::string& text) {
  std::ostringstream out;
  Poco::Net::QuotedPrintableEncoder enc(out);
  // CRLF line ends in the canonical form.
  std::string crlf;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) crlf += '\r';
    crlf += text[i];
  }
  enc << crlf;
  enc.close();
  return out.str();
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RandomToken() {
  Poco::Random r;
  r.seed();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%08x", r.next(), r.next());
  return buf;
}

void InitSslOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Never the interactive console handler: an invalid certificate is refused.
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr reject(
        new Poco::Net::RejectCertificateHandler(false));
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_RELAXED, 9,
        true, "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, ctx);
  });
}

}  // namespace

std::string TextToHtml(const std::string& text, const std::string& title) {
  std::string body;
  std::string para;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> paragraphs;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!para.empty()) paragraphs.push_back(para);
      para.clear();
    } else {
      if (!para.empty()) para += "<br>\n";
      para += HtmlEscape(line);
    }
  }
  if (!para.empty()) paragraphs.push_back(para);
  for (const auto& p : paragraphs) body += "<p>" + p + "</p>\n";
  return "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><title>" +
         HtmlEscape(title) +
         "</title></head>\n<body style=\"font-family:sans-serif;font-size:16px\">\n" + body +
         "</body></html>\n";
}

SmtpChannel::SmtpChannel(SmtpSettings settings, Clock& clock, CalendarLookup lookup,
                         FirmNameLookup firm_name)
    : settings_(std::move(settings)),
      clock_(clock),
      lookup_(std::move(lookup)),
      firm_name_(std::move(firm_name)) {}

namespace {

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

}  // namespace

// Poco's encodeWord("\"" + name + "\"") put the quotes inside a "Q" word and
// left '"' and '&' unencoded there, which RFC 2047 (5.3) forbids in a phrase:
// readers showed the quotes. "B" words carry any byte.
std::string EncodeDisplayName(const std::string& name) {
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (plain) {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  // One "B" word for the whole name, even past RFC 2047's 75 characters (a firm
  // name of more than 45 bytes): readers disagree on the white space between two
  // encoded words (RFC 2047 drops it, Python's email package keeps it: "Bärbel
  // G roß"), while a longer word decodes the same everywhere we know of.
  return "=?UTF-8?B?" + Base64(name) + "?=";
}

std::string SmtpChannel::Render(const OutgoingMessage& m, std::string* message_id) const {
  Poco::Net::MailMessage mail;
  std::string from_name = settings_.from_name;
  if (from_name.empty() && firm_name_) from_name = firm_name_(m);
  if (from_name.empty()) from_name = m.sender;
  std::string from = settings_.from_address;
  if (!from_name.empty()) from = EncodeDisplayName(from_name) + " <" + from + ">";
  mail.setSender(from);
  mail.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT,
                                             m.recipient));
  mail.setSubject(Poco::Net::MailMessage::encodeWord(m.subject));
  mail.setDate(Poco::Timestamp::fromEpochTime(
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::time_point(clock_.Now()))));
  std::string domain = settings_.from_address.substr(settings_.from_address.find('@') + 1);
  *message_id = "<kb-" + std::to_string(m.id) + "-" + RandomToken() + "@" + domain + ">";
  mail.set("Message-ID", *message_id);
  mail.set("Auto-Submitted", "auto-generated");

  // multipart/alternative built by hand: Poco's MailMessage nests no multiparts.
  std::string boundary = "=_alt_" + RandomToken();
  std::ostringstream alt;
  alt << "--" << boundary << "\r\n"
      << "Content-Type: text/plain; charset=UTF-8\r\n"
      << "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      << QuotedPrintable(m.body) << "\r\n"
      << "--" << boundary << "\r\n"
      << "Content-Type: text/html; charset=UTF-8\r\n"
      << "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      << QuotedPrintable(TextToHtml(m.body, m.subject)) << "\r\n"
      << "--" << boundary << "--\r\n";
  mail.addContent(new Poco::Net::StringPartSource(
                      alt.str(), "multipart/alternative; boundary=\"" + boundary + "\""),
                  Poco::Net::MailMessage::ENCODING_7BIT);
  if (lookup_) {
    if (auto event = lookup_(m)) {
      std::string ics = FormatIcs(*event, clock_.Now());
      std::string method = event->cancelled ? "CANCEL" : "PUBLISH";
      mail.addAttachment("termin.ics",
                         new Poco::Net::StringPartSource(
                             ics, "text/calendar; charset=UTF-8; method=" + method, "termin.ics"),
                         Poco::Net::MailMessage::ENCODING_BASE64);
    }
  }
  std::ostringstream out;
  mail.write(out);
  return out.str();
}

namespace {

// The message text as SMTP's DATA carries it: CRLF line ends, a '.' starting a
// line doubled, ending in CRLF (the caller adds the final ".").
std::string DotStuffed(const std::string& rendered) {
  std::string data;
  data.reserve(rendered.size() + 64);
  bool line_start = true;
  for (std::size_t i = 0; i < rendered.size(); ++i) {
    char c = rendered[i];
    if (line_start && c == '.') data += '.';
    if (c == '\n' && (i == 0 || rendered[i - 1] != '\r')) data += '\r';
    data += c;
    line_start = c == '\n';
  }
  if (data.size() < 2 || data.compare(data.size() - 2, 2, "\r\n") != 0) data += "\r\n";
  return data;
}

// False, with `out` the failure (5xx permanent, else transient), unless
// `status` is of class `want` (2 or 3).
bool Replied(int status, int want, const std::string& what, const std::string& response,
             SendOutcome& out) {
  if (status / 100 == want) return true;
  out.status = status >= 500 ? SendStatus::kPermanent : SendStatus::kTransient;
  out.detail = what + ": " + response;
  return false;
}

}  // namespace

bool SmtpChannel::Greet(Poco::Net::SecureSMTPClientSession& session) const {
  session.login(settings_.helo_name);
  if (settings_.tls == SmtpTls::kRequired) {
    InitSslOnce();
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings_.ca_file,
                               settings_.verify_certificate ? Poco::Net::Context::VERIFY_RELAXED
                                                            : Poco::Net::Context::VERIFY_NONE,
                               9, settings_.ca_file.empty(), "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    if (!session.startTLS(ctx)) {
      session.close();
      return false;
    }
  }
  // After STARTTLS the server forgets the earlier EHLO (RFC 3207): greet again,
  // with AUTH if configured.
  if (settings_.username.empty()) {
    if (settings_.tls == SmtpTls::kRequired) session.login(settings_.helo_name);
  } else {
    session.login(settings_.helo_name,
                  settings_.auth == "login" ? Poco::Net::SMTPClientSession::AUTH_LOGIN
                                            : Poco::Net::SMTPClientSession::AUTH_PLAIN,
                  settings_.username, settings_.password);
  }
  return true;
}

SendOutcome SmtpChannel::Transmit(Poco::Net::SecureSMTPClientSession& session,
                                  const std::string& recipient, const std::string& rendered,
                                  const std::string& where) const {
  // Envelope and data by hand, so the rendered text is exactly what is sent.
  SendOutcome out;
  std::string response;
  int status = session.sendCommand("MAIL FROM:", "<" + settings_.from_address + ">", response);
  if (!Replied(status, 2, "MAIL FROM refused by " + where, response, out)) return out;
  status = session.sendCommand("RCPT TO:", "<" + recipient + ">", response);
  if (!Replied(status, 2, "recipient refused by " + where, response, out)) {
    session.sendCommand("RSET", response);
    return out;
  }
  status = session.sendCommand("DATA", response);
  if (!Replied(status, 3, "DATA refused by " + where, response, out)) return out;
  status = session.sendCommand(DotStuffed(rendered) + ".", response);
  if (!Replied(status, 2, "message refused by " + where, response, out)) return out;
  out.status = SendStatus::kAccepted;
  out.detail = response;
  try {
    session.close();
  } catch (const Poco::Exception&) {
  }
  return out;
}

SendOutcome SmtpChannel::Send(const OutgoingMessage& m) {
  SendOutcome out;
  std::string where = settings_.host + ":" + std::to_string(settings_.port);
  std::string message_id;
  std::string rendered = Render(m, &message_id);
  try {
    Poco::Net::SecureSMTPClientSession session(settings_.host,
                                               static_cast<Poco::UInt16>(settings_.port));
    session.setTimeout(Poco::Timespan(settings_.timeout.count() * 1000));
    if (!Greet(session)) {
      out.status = SendStatus::kTransient;
      out.detail = "mail host " + where + " does not offer STARTTLS; not sent in plain text";
      return out;
    }
    out = Transmit(session, m.recipient, rendered, where);
    if (out.status == SendStatus::kAccepted) out.gateway_message_id = message_id;
  } catch (const Poco::Net::SSLException& e) {
    out.status = SendStatus::kTransient;
    out.detail = "TLS with " + where + " failed: " + e.displayText();
  } catch (const Poco::Net::SMTPException& e) {
    out.status = SendStatus::kTransient;
    out.detail = "SMTP error with " + where + ": " + e.displayText();
  } catch (const Poco::Exception& e) {
    out.status = SendStatus::kTransient;
    out.detail = "cannot reach mail host " + where + ": " + e.displayText();
  }
  return out;
}

}  // namespace kehrbote

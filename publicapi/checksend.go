package publicapi

// ValidateSendToPhone returns the *ValidationError that
// [Client.SendToPhone] would return for phone and msg, or nil when both are
// valid. It sends nothing. Code that records a send to perform later (such
// as the outbox module) uses it to refuse bad input at once.
func ValidateSendToPhone(phone string, msg SendParams) error {
	if _, err := normalizePhone("phone", phone); err != nil {
		return err
	}
	return checkMessage(msg, routePhone)
}

// ValidateSendToJID is [ValidateSendToPhone] for [Client.SendToJID].
func ValidateSendToJID(jid string, msg SendParams) error {
	if err := checkJID("jid", jid); err != nil {
		return err
	}
	return checkMessage(msg, routeJID)
}

// ValidateSendToChat is [ValidateSendToPhone] for [Client.SendToChat].
func ValidateSendToChat(chatID int64, msg SendParams) error {
	if err := checkPositive("chatID", chatID); err != nil {
		return err
	}
	return checkMessage(msg, routeChat)
}

// ValidateUploadFile returns the *ValidationError that [Client.UploadFile]
// would return for filename and p before sending anything (an empty or
// unusable filename, a ContentType that is not a valid media type), or nil.
// It reads nothing and sends nothing.
func ValidateUploadFile(filename string, p UploadFileParams) error {
	if err := checkFilename("filename", filename); err != nil {
		return err
	}
	return checkContentType("UploadFileParams.ContentType", p.ContentType)
}

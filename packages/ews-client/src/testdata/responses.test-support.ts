/**
 * Response documents written in the shape of Microsoft's documented EWS samples (SOAP envelope
 * with the `s:` prefix, `h:ServerVersionInfo` header, `m:`/`t:` namespaces), for parser tests.
 * The ids and texts are our own.
 * @module
 */

const M = "http://schemas.microsoft.com/exchange/services/2006/messages";
const T = "http://schemas.microsoft.com/exchange/services/2006/types";

/** Wraps a response body element in an Exchange-style envelope. */
export function exchangeEnvelope(body: string, version = { major: 15, minor: 1, build: 2507, minorBuild: 6, name: "V2017_07_11" }): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">` +
    `<s:Header><h:ServerVersionInfo MajorVersion="${version.major}" MinorVersion="${version.minor}" MajorBuildNumber="${version.build}" MinorBuildNumber="${version.minorBuild}" Version="${version.name}" ` +
    `xmlns:h="${T}" xmlns="${T}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:Header>` +
    `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body></s:Envelope>`
  );
}

/** `<m:{op}Response>` with the given response messages. */
export function operationResponse(operation: string, messages: string): string {
  return `<m:${operation}Response xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages>${messages}</m:ResponseMessages></m:${operation}Response>`;
}

/** A successful SyncFolderItems page with every kind of change. */
export const SYNC_FOLDER_ITEMS_PAGE = exchangeEnvelope(
  operationResponse(
    "SyncFolderItems",
    `<m:SyncFolderItemsResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
      `<m:SyncState>H4sIAAAAAAAEAGNgYGcAAkY2BhYGbgYBFiYGJgYWAQZGASC2BBIMDACpHx2S</m:SyncState>` +
      `<m:IncludesLastItemInRange>false</m:IncludesLastItemInRange><m:Changes>` +
      `<t:Create><t:Contact><t:ItemId Id="AAMkADc1=" ChangeKey="EQAAABYAAAA1"/></t:Contact></t:Create>` +
      `<t:Update><t:Contact><t:ItemId Id="AAMkADc2=" ChangeKey="EQAAABYAAAA2"/><t:Subject>Second</t:Subject></t:Contact></t:Update>` +
      `<t:Delete><t:ItemId Id="AAMkADc3=" ChangeKey="EQAAABYAAAA3"/></t:Delete>` +
      `<t:ReadFlagChange><t:ItemId Id="AAMkADc4=" ChangeKey="EQAAABYAAAA4"/><t:IsRead>true</t:IsRead></t:ReadFlagChange>` +
      `<t:Create><t:DistributionList><t:ItemId Id="AAMkADc5=" ChangeKey="EgAAABYAAAA5"/></t:DistributionList></t:Create>` +
      `</m:Changes></m:SyncFolderItemsResponseMessage>`,
  ),
);

/** A GetItem batch: a full contact, then ErrorItemNotFound. */
export const GET_ITEM_CONTACT_AND_MISSING = exchangeEnvelope(
  operationResponse(
    "GetItem",
    `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Contact>` +
      `<t:ItemId Id="AAMkCONTACT=" ChangeKey="EQAAABYAAADK"/><t:ParentFolderId Id="AAMkPARENT=" ChangeKey="AQAAAA=="/>` +
      `<t:ItemClass>IPM.Contact</t:ItemClass><t:Subject>Jane Q. Public</t:Subject><t:Sensitivity>Normal</t:Sensitivity>` +
      `<t:Body BodyType="Text">Met at the &lt;conference&gt; &amp; dinner</t:Body>` +
      `<t:Attachments><t:FileAttachment><t:AttachmentId Id="AAMkATT="/><t:Name>ContactPicture.jpg</t:Name><t:ContentType>image/jpeg</t:ContentType><t:Size>2048</t:Size><t:LastModifiedTime>2026-01-02T03:04:05</t:LastModifiedTime><t:IsInline>false</t:IsInline><t:IsContactPhoto>true</t:IsContactPhoto></t:FileAttachment></t:Attachments>` +
      `<t:DateTimeReceived>2026-01-02T03:04:05Z</t:DateTimeReceived><t:Size>4096</t:Size><t:Categories><t:String>Clients</t:String></t:Categories>` +
      `<t:Importance>Normal</t:Importance><t:DateTimeCreated>2026-01-02T03:04:05Z</t:DateTimeCreated><t:ReminderIsSet>false</t:ReminderIsSet>` +
      `<t:HasAttachments>true</t:HasAttachments>` +
      `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="ewsdav-uid" PropertyType="String"/><t:Value>uid-jane</t:Value></t:ExtendedProperty>` +
      `<t:Culture>en-US</t:Culture><t:LastModifiedName>Jane</t:LastModifiedName><t:LastModifiedTime>2026-01-03T00:00:00Z</t:LastModifiedTime>` +
      `<t:FileAs>Public, Jane</t:FileAs><t:FileAsMapping>LastCommaFirst</t:FileAsMapping><t:DisplayName>Jane Q. Public</t:DisplayName>` +
      `<t:GivenName>Jane</t:GivenName><t:Initials>J.Q.P.</t:Initials><t:MiddleName>Quincy</t:MiddleName>` +
      `<t:CompleteName><t:Title>Ms.</t:Title><t:FirstName>Jane</t:FirstName><t:MiddleName>Quincy</t:MiddleName><t:LastName>Public</t:LastName><t:Suffix>III</t:Suffix><t:Initials>J.Q.P.</t:Initials><t:FullName>Jane Q. Public</t:FullName></t:CompleteName>` +
      `<t:CompanyName>Contoso</t:CompanyName>` +
      `<t:EmailAddresses><t:Entry Key="EmailAddress1" Name="Jane (Contoso)" RoutingType="SMTP" MailboxType="Contact">jane@contoso.example</t:Entry><t:Entry Key="EmailAddress2"></t:Entry></t:EmailAddresses>` +
      `<t:PhysicalAddresses><t:Entry Key="Business"><t:Street>1 Microsoft Way</t:Street><t:City>Redmond</t:City><t:State>WA</t:State><t:CountryOrRegion>USA</t:CountryOrRegion><t:PostalCode>98052</t:PostalCode></t:Entry></t:PhysicalAddresses>` +
      `<t:PhoneNumbers><t:Entry Key="BusinessPhone">+1 425 555 0100</t:Entry><t:Entry Key="MobilePhone">+1 425 555 0101</t:Entry><t:Entry Key="HomePhone"/></t:PhoneNumbers>` +
      `<t:Birthday>1980-02-29T12:00:00Z</t:Birthday><t:Children><t:String>Tim</t:String></t:Children>` +
      `<t:Department>Sales</t:Department><t:Generation>III</t:Generation>` +
      `<t:ImAddresses><t:Entry Key="ImAddress1">sip:jane@contoso.example</t:Entry></t:ImAddresses>` +
      `<t:JobTitle>Director</t:JobTitle><t:PostalAddressIndex>Business</t:PostalAddressIndex><t:Surname>Public</t:Surname>` +
      `<t:HasPicture>true</t:HasPicture>` +
      `</t:Contact></m:Items></m:GetItemResponseMessage>` +
      `<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText>` +
      `<m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>`,
  ),
);

/** A recurring master with a modified and a deleted occurrence and full time zones. */
export const GET_ITEM_RECURRING_MASTER = exchangeEnvelope(
  operationResponse(
    "GetItem",
    `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:CalendarItem>` +
      `<t:ItemId Id="AAMkMASTER=" ChangeKey="DwAAABYAAAA"/><t:Subject>Stand-up</t:Subject><t:Body BodyType="HTML">&lt;html&gt;&lt;body&gt;Daily&lt;/body&gt;&lt;/html&gt;</t:Body>` +
      `<t:ReminderIsSet>true</t:ReminderIsSet><t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart>` +
      `<t:UID>040000008200E00074C5B7101A82E00800000000A1B2</t:UID><t:DateTimeStamp>2026-01-01T08:00:00Z</t:DateTimeStamp>` +
      `<t:Start>2026-01-05T08:00:00Z</t:Start><t:End>2026-01-05T08:15:00Z</t:End><t:IsAllDayEvent>false</t:IsAllDayEvent>` +
      `<t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus><t:Location>Room 1</t:Location><t:IsMeeting>true</t:IsMeeting><t:IsCancelled>false</t:IsCancelled>` +
      `<t:IsRecurring>false</t:IsRecurring><t:IsResponseRequested>true</t:IsResponseRequested><t:CalendarItemType>RecurringMaster</t:CalendarItemType><t:MyResponseType>Organizer</t:MyResponseType>` +
      `<t:Organizer><t:Mailbox><t:Name>Alice</t:Name><t:EmailAddress>alice@contoso.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Organizer>` +
      `<t:RequiredAttendees><t:Attendee><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@contoso.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox><t:ResponseType>Accept</t:ResponseType><t:LastResponseTime>2026-01-02T09:00:00Z</t:LastResponseTime></t:Attendee></t:RequiredAttendees>` +
      `<t:Duration>PT15M</t:Duration><t:TimeZone>(UTC+01:00) Amsterdam, Berlin</t:TimeZone><t:AppointmentSequenceNumber>2</t:AppointmentSequenceNumber>` +
      `<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Tuesday Wednesday Thursday Friday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>` +
      `<t:NumberedRecurrence><t:StartDate>2026-01-05+01:00</t:StartDate><t:NumberOfOccurrences>20</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>` +
      `<t:FirstOccurrence><t:ItemId Id="AAMkOCC1=" ChangeKey="DwAAAB1"/><t:Start>2026-01-05T08:00:00Z</t:Start><t:End>2026-01-05T08:15:00Z</t:End><t:OriginalStart>2026-01-05T08:00:00Z</t:OriginalStart></t:FirstOccurrence>` +
      `<t:LastOccurrence><t:ItemId Id="AAMkOCC20=" ChangeKey="DwAAAB20"/><t:Start>2026-01-30T08:00:00Z</t:Start><t:End>2026-01-30T08:15:00Z</t:End><t:OriginalStart>2026-01-30T08:00:00Z</t:OriginalStart></t:LastOccurrence>` +
      `<t:ModifiedOccurrences><t:Occurrence><t:ItemId Id="AAMkOCC3=" ChangeKey="DwAAAB3"/><t:Start>2026-01-07T09:00:00Z</t:Start><t:End>2026-01-07T09:15:00Z</t:End><t:OriginalStart>2026-01-07T08:00:00Z</t:OriginalStart></t:Occurrence></t:ModifiedOccurrences>` +
      `<t:DeletedOccurrences><t:DeletedOccurrence><t:Start>2026-01-08T08:00:00Z</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>` +
      `<t:StartTimeZone Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam, Berlin">` +
      `<t:Periods><t:Period Bias="-PT1H" Name="Standard" Id="trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard"/><t:Period Bias="-PT2H" Name="Daylight" Id="trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight"/></t:Periods>` +
      `<t:TransitionsGroups><t:TransitionsGroup Id="0">` +
      `<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight</t:To><t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>` +
      `<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard</t:To><t:TimeOffset>PT3H</t:TimeOffset><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>` +
      `</t:TransitionsGroup></t:TransitionsGroups>` +
      `<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions></t:StartTimeZone>` +
      `<t:EndTimeZone Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam, Berlin"/>` +
      `</t:CalendarItem></m:Items></m:GetItemResponseMessage>`,
  ),
);

/** The SOAP fault Exchange sends when it throttles (HTTP 500). */
export function serverBusyFault(backOffMs: number): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${T}">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>` +
    `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>` +
    `<t:MessageXml xmlns:t="${T}"><t:Value Name="BackOffMilliseconds">${backOffMs}</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>`
  );
}

/** The SOAP fault of a request that breaks the schema. */
export const SCHEMA_VALIDATION_FAULT =
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
  `<faultcode xmlns:a="${T}">a:ErrorSchemaValidation</faultcode><faultstring xml:lang="en-US">The request failed schema validation: The element 'Items' has invalid child element 'Foo'.</faultstring>` +
  `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorSchemaValidation</e:ResponseCode>` +
  `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The request failed schema validation.</e:Message>` +
  `<t:MessageXml xmlns:t="${T}"><t:LineNumber>1</t:LineNumber><t:LinePosition>600</t:LinePosition><t:Violation>The element 'Items' has invalid child element 'Foo'.</t:Violation></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>`;

/** SyncFolderItems refusing the sync state. */
export const INVALID_SYNC_STATE = exchangeEnvelope(
  operationResponse(
    "SyncFolderItems",
    `<m:SyncFolderItemsResponseMessage ResponseClass="Error"><m:MessageText>Synchronization state data is corrupt or otherwise invalid.</m:MessageText>` +
      `<m:ResponseCode>ErrorInvalidSyncStateData</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:SyncFolderItemsResponseMessage>`,
  ),
);

/** FindFolder page `n` of two. */
export function findFolderPage(page: 0 | 1): string {
  const folders =
    page === 0
      ? `<t:ContactsFolder><t:FolderId Id="AAMkF1=" ChangeKey="AgAA1"/><t:ParentFolderId Id="AAMkROOT=" ChangeKey="AQAA"/><t:FolderClass>IPF.Contact</t:FolderClass><t:DisplayName>Contacts</t:DisplayName><t:TotalCount>12</t:TotalCount><t:ChildFolderCount>1</t:ChildFolderCount></t:ContactsFolder>`
      : `<t:ContactsFolder><t:FolderId Id="AAMkF2=" ChangeKey="AgAA2"/><t:FolderClass>IPF.Contact</t:FolderClass><t:DisplayName>Team &amp; Partners</t:DisplayName><t:TotalCount>0</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount></t:ContactsFolder>`;
  return exchangeEnvelope(
    operationResponse(
      "FindFolder",
      `<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
        `<m:RootFolder IndexedPagingOffset="${page + 1}" TotalItemsInView="2" IncludesLastItemInRange="${page === 1}"><t:Folders>${folders}</t:Folders></m:RootFolder></m:FindFolderResponseMessage>`,
    ),
  );
}

# ruff: noqa: E501 - Xero's messages are long and kept verbatim
"""Canned Xero response bodies, as JSON text, shaped on the examples in Xero's OpenAPI spec
(xero_accounting.yaml), shortened, with amounts chosen to expose float rounding."""

ORGANISATION = """{
 "Id": "27b7a645-a3ee-43c8-b2c6-a2fa7b84c8c5", "Status": "OK", "ProviderName": "Widget",
 "DateTimeUTC": "/Date(1552404447003)/",
 "Organisations": [{
  "APIKey": "CTJ60UH519MXQIXEJSDPDALS3EOZ5Y", "Name": "Dev Evangelist - Sid Test 3 (NZ-2016-02)",
  "LegalName": "Dev Evangelist Ltd", "PaysTax": true, "Version": "NZ", "OrganisationType": "COMPANY",
  "BaseCurrency": "NZD", "CountryCode": "NZ", "IsDemoCompany": false, "OrganisationStatus": "ACTIVE",
  "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3, "DefaultSalesTax": "Tax Exclusive",
  "DefaultPurchasesTax": "Tax Exclusive",
  "PeriodLockDate": "/Date(1546214400000+0000)/", "EndOfYearLockDate": "/Date(1546214400000+0000)/",
  "CreatedDateUTC": "/Date(1455827393000)/", "Timezone": "NEWZEALANDSTANDARDTIME",
  "ShortCode": "!mBdtL", "OrganisationID": "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b",
  "Edition": "BUSINESS", "Class": "PREMIUM", "Addresses": [], "Phones": [], "ExternalLinks": [],
  "PaymentTerms": {}
 }]
}"""

CONTACTS = """{
 "Id": "04e93d48-e72f-4775-b7dd-15a041fab972", "Status": "OK", "ProviderName": "Widget",
 "DateTimeUTC": "/Date(1551399323399)/",
 "pagination": {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 201},
 "Contacts": [
  {"ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c", "ContactStatus": "ACTIVE",
   "Name": "Katherine Warren", "FirstName": "Katherine", "LastName": "Warren",
   "CompanyNumber": "NumberBusiness1234", "EmailAddress": "kat.warren@clampett.com",
   "UpdatedDateUTC": "/Date(1503348544227+0000)/", "ContactGroups": [],
   "IsSupplier": true, "IsCustomer": true,
   "Balances": {"AccountsReceivable": {"Outstanding": 760.10, "Overdue": 920.00},
                "AccountsPayable": {"Outstanding": 231.60, "Overdue": 360.00}},
   "ContactPersons": [
     {"FirstName": "Ann", "LastName": "Lee", "EmailAddress": "ann@clampett.com",
      "IncludeInEmails": true}],
   "HasAttachments": false, "HasValidationErrors": false},
  {"ContactID": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "ContactStatus": "ARCHIVED",
   "Name": "Lisa Parker", "EmailAddress": "lparker@parkerandco.com",
   "MergedToContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c",
   "UpdatedDateUTC": "/Date(1503348546760+0000)/", "IsSupplier": false, "IsCustomer": false,
   "ContactPersons": []}
 ]
}"""

INVOICES = """{
 "Id": "900c500b-e83c-4ce2-902a-b8ba04751748", "Status": "OK", "ProviderName": "Widget",
 "DateTimeUTC": "/Date(1552326816230)/",
 "pagination": {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 4},
 "Invoices": [
  {"Type": "ACCREC", "InvoiceID": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
   "InvoiceNumber": "INV-0002", "Reference": "Red Fish, Blue Fish", "Payments": [],
   "AmountDue": 0.1, "AmountPaid": 1234567890.12, "AmountCredited": 0.2,
   "CurrencyRate": 0.937053, "HasAttachments": true,
   "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7", "Name": "Barney Rubble-83203"},
   "DateString": "2018-10-20 00:00:00", "Date": "/Date(1539993600000+0000)/",
   "DueDateString": "2018-12-30 00:00:00", "DueDate": "/Date(1546128000000+0000)/",
   "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
   "LineItems": [{"LineItemID": "ccf5e45c-73b6-4659-83e8-520f4c6126fd", "Description": "Fish",
      "Quantity": 3.0000, "UnitAmount": 12.3456, "AccountCode": "200", "TaxType": "OUTPUT2",
      "ItemCode": "BOOK", "LineAmount": 37.04, "TaxAmount": 5.56, "DiscountRate": 10.0}],
   "SubTotal": 40.0, "TotalTax": 6.0, "Total": 46.0,
   "UpdatedDateUTC": "/Date(1541176592690+0000)/", "CurrencyCode": "AUD",
   "FullyPaidOnDate": "/Date(1543449600000+0000)/"},
  {"Type": "ACCPAY", "InvoiceID": "7ef31b20-de17-4312-8382-412f869b1510",
   "InvoiceNumber": "Ref 12", "Contact": {"ContactID": "6a65f2cb-0d41-4b1b-a7d8-6fc1b1a2f6f1"},
   "Date": "2019-03-11T00:00:00", "Status": "DRAFT", "LineAmountTypes": "NoTax",
   "SubTotal": 10, "TotalTax": 0, "Total": 10, "AmountDue": 10}
 ]
}"""

QUOTES = """{
 "Id": "bb583e7e-9b6b-471e-88da-4cbfcfad7a57", "Status": "OK", "ProviderName": "Widget",
 "DateTimeUTC": "/Date(1571876635477)/",
 "Quotes": [{"QuoteID": "be59294f-2a9c-4cee-8c64-0f0ddbc1883a", "QuoteNumber": "QU-0001",
   "Reference": "REF-123", "Terms": "Not valid after the expiry date",
   "Contact": {"ContactID": "060816db-0ed7-44de-ab58-8fee9316fcd5", "Name": "Adam"},
   "LineItems": [{"LineItemID": "ccf5e45c-73b6-4659-83e8-520f4c6126fd", "AccountCode": "200",
     "Description": "Fish out of Water", "UnitAmount": 19.95, "DiscountRate": 10.0,
     "LineAmount": 17.96, "ItemCode": "BOOK", "Quantity": 1.0, "TaxAmount": 2.69,
     "TaxType": "OUTPUT2"}],
   "Date": "/Date(1571875200000)/", "DateString": "2019-10-24 00:00:00",
   "ExpiryDate": "/Date(1571961600000)/", "ExpiryDateString": "2019-10-25 00:00:00",
   "Status": "ACCEPTED", "CurrencyRate": 0.937053, "CurrencyCode": "AUD", "SubTotal": 17.96,
   "TotalTax": 2.69, "Total": 20.65, "TotalDiscount": 1.99, "Title": "Your Quote",
   "Summary": "Please buy this", "UpdatedDateUTC": "/Date(1571869373890)/",
   "LineAmountTypes": "EXCLUSIVE"}]
}"""

ACCOUNTS = """{"Accounts": [
 {"AccountID": "ebd06280-af70-4bed-97c6-7451a454ad85", "Code": "091",
  "Name": "Business Savings Account", "Type": "BANK", "TaxType": "NONE", "Status": "ACTIVE",
  "EnablePaymentsToAccount": false, "BankAccountNumber": "0209087654321050",
  "BankAccountType": "BANK", "CurrencyCode": "NZD", "Class": "ASSET"},
 {"AccountID": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80", "Code": "200", "Name": "Sales",
  "Type": "REVENUE", "TaxType": "OUTPUT2", "Status": "ARCHIVED", "Class": "REVENUE",
  "Description": "Income from any normal business activity", "EnablePaymentsToAccount": false,
  "UpdatedDateUTC": "/Date(1551981476267+0000)/"}]}"""

TAX_RATES = """{"TaxRates": [
 {"Name": "15% GST on Expenses", "TaxType": "INPUT2", "ReportTaxType": "INPUT",
  "CanApplyToAssets": true, "CanApplyToEquity": true, "CanApplyToExpenses": true,
  "CanApplyToLiabilities": true, "CanApplyToRevenue": false, "DisplayTaxRate": 15.0,
  "EffectiveRate": 15.0, "Status": "ACTIVE",
  "TaxComponents": [{"Name": "GST", "Rate": 15.0, "IsCompound": false}]},
 {"Name": "Zero Rated", "TaxType": "ZERORATED", "ReportTaxType": "OUTPUT",
  "CanApplyToExpenses": false, "CanApplyToRevenue": true, "DisplayTaxRate": 0.0,
  "EffectiveRate": 0.0, "Status": "ACTIVE"}]}"""

ITEMS = """{"Items": [
 {"ItemID": "c8c54d65-f3f2-452d-926e-bf450b12fb07", "Code": "123",
  "Description": "Guitars Fender Strat", "UpdatedDateUTC": "/Date(1551981476267+0000)/",
  "PurchaseDetails": {}, "SalesDetails": {"UnitPrice": 5000.0, "AccountCode": "200",
  "TaxType": "OUTPUT2"}, "Name": "Guitars", "IsTrackedAsInventory": false, "IsSold": true,
  "IsPurchased": false},
 {"ItemID": "a4544d51-48f6-441f-a623-99ecbced6ab7", "Code": "abc65591", "Description": "Barfoo",
  "PurchaseDescription": "Foobar", "PurchaseDetails": {"UnitPrice": 0.333, "AccountCode": "300",
  "TaxType": "INPUT2"}, "SalesDetails": {}, "Name": "Hello11350", "IsSold": true,
  "IsPurchased": true}]}"""

CURRENCIES = """{"Currencies": [{"Code": "NZD", "Description": "New Zealand Dollar"},
 {"Code": "AUD", "Description": "Australian Dollar"}]}"""

CONNECTIONS = """[{"id": "7cb59f93-2964-421d-bb5e-a0f7a4572a44",
  "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d",
  "tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58", "tenantName": "Demo Company (NZ)",
  "tenantType": "ORGANISATION", "createdDateUtc": "2019-12-07T18:46:19.5165400",
  "updatedDateUtc": "2019-12-07T18:46:19.5187840"}]"""

# Xero's 400 for a document it refused: the document echoed with its ValidationErrors.
INVOICE_VALIDATION = """{
 "ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
 "Elements": [{
  "Type": "ACCREC", "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
   "ValidationErrors": [{"Message": "The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber"}]},
  "LineItems": [
   {"Description": "Fish", "AccountCode": "200", "ValidationErrors": []},
   {"Description": "Chips", "AccountCode": "999",
    "ValidationErrors": [{"Message": "Account code '999' is not a valid code for this document."}]},
   {"Description": "", "AccountCode": "200"}],
  "ValidationErrors": [
   {"Message": "Account code '999' is not a valid code for this document."},
   {"Message": "The description field is mandatory for each line item."},
   {"Message": "Due Date must not be earlier than the invoice Date"},
   {"Message": "The document date cannot be before the end of year lock date, currently set at 31-Jul-2013"},
   {"Message": "The TaxType code 'XYZ' does not exist or cannot be used for this type of transaction."},
   {"Message": "Something only Xero understands."}]
 }]
}"""

CONTACT_VALIDATION = """{
 "ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
 "Elements": [{"ContactID": "00000000-0000-0000-0000-000000000000", "Name": "Buzz Lightyear",
   "EmailAddress": "buzzlightyear@email", "HasValidationErrors": true,
   "ValidationErrors": [
    {"Message": "The contact name Buzz Lightyear is already assigned to another contact. The contact name must be unique across all active contacts."},
    {"Message": "Email address must be valid."}]}]
}"""

QUERY_PARSE = """{"ErrorNumber": 16, "Type": "QueryParseException",
 "Message": "No property or field 'Nmae' exists in type 'Contact'"}"""

TOKEN_EXPIRED = """{"Type": null, "Title": "Unauthorized", "Status": 401,
 "Detail": "TokenExpired: token expired at 12/07/2019 23:46:35", "Instance": "x", "Extensions": {}}"""

FORBIDDEN = """{"Type": null, "Title": "Forbidden", "Status": 403,
 "Detail": "AuthenticationUnsuccessful", "Instance": "y", "Extensions": {}}"""

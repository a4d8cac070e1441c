import Testing

@Suite struct DiagnosisProvidersPlaceholder {}

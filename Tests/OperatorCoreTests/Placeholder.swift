import Testing

@Suite struct OperatorCorePlaceholder {}

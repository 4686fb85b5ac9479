// The password every test user of the auth service is registered with, so that a test can log
// in as any user another part of it created.
//
//   request.set_password_hash(kPassword);
//
// One definition for every fixture: two inline constants of one name and namespace with
// different values, linked into one test, would be an ODR violation that no compiler reports.
#ifndef SERVICES_AUTH_TESTING_TEST_PASSWORD_H_
#define SERVICES_AUTH_TESTING_TEST_PASSWORD_H_

namespace auth::service_testing {

// A client-side digest, as the API's password_hash expects (8 to 1024 bytes).
inline constexpr char kPassword[] = "e2e-client-digest-0123456789";

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_TEST_PASSWORD_H_

#define BOOST_TEST_MODULE strato_crypto
#include <boost/test/unit_test.hpp>

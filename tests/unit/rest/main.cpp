#define BOOST_TEST_MODULE strato_rest
#include <boost/test/unit_test.hpp>
